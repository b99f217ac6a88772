// SPDX-License-Identifier: GPL-3.0-or-later
// Parses every feed in a manifest with ical.js (Thunderbird's parser) and prints TAP.
'use strict';

const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

async function main() {
	const [modDir, feedDir] = process.argv.slice(2);
	const pkg = JSON.parse(fs.readFileSync(path.join(modDir, 'package.json')));
	const ICAL = (await import(pathToFileURL(path.join(modDir, pkg.main)).href)).default;
	const manifest = JSON.parse(fs.readFileSync(path.join(feedDir, 'manifest.json')));
	let n = 0, failed = 0;

	console.log(`1..${manifest.length}`);
	for (const entry of manifest) {
		const problems = [];
		n++;
		try {
			const text = fs.readFileSync(path.join(feedDir, entry.file), 'utf8');
			const cal = new ICAL.Component(ICAL.parse(text));
			const kind = entry.component.toLowerCase();
			const all = cal.getAllSubcomponents();
			const items = cal.getAllSubcomponents(kind);

			if (cal.name !== 'vcalendar')
				problems.push(`top component ${cal.name}`);
			if (entry.count !== null && (all.length !== entry.count || items.length !== entry.count))
				problems.push(`${all.length} components, ${items.length} ${kind}, want ${entry.count}`);
			if (entry.count === null && (all.length !== items.length || items.length < entry.min_count))
				problems.push(`${all.length} components, ${items.length} ${kind}, want at least ${entry.min_count}`);
			if (cal.getFirstPropertyValue('method') !== null)
				problems.push('METHOD present');
			let completed = 0;
			for (const c of items) {
				if (c.getAllSubcomponents().length !== 0)
					problems.push('nested component');
				if (typeof c.getFirstPropertyValue('summary') !== 'string')
					problems.push('no SUMMARY');
				for (const p of ['dtstamp', 'last-modified']) {
					const t = c.getFirstPropertyValue(p);
					if (t === null || t.zone !== ICAL.Timezone.utcTimezone)
						problems.push(`${p} not UTC`);
				}
				if (c.getFirstPropertyValue('status') === 'COMPLETED')
					completed++;
				const uid = c.getFirstPropertyValue('uid');
				const prop = kind === 'vevent' ? 'dtstart' : 'due';
				const t = c.getFirstPropertyValue(prop);
				const want = entry.dates === null ? (t === null ? '' : t.toString()) : entry.dates[uid];
				if (want === undefined)
					problems.push(`unexpected UID ${uid}`);
				else if (t === null || !t.isDate || t.toString() !== want)
					problems.push(`${uid}: ${prop} ${t} want ${want}`);
				if (kind === 'vevent') {
					const end = c.getFirstPropertyValue('dtend');
					if (end === null || !end.isDate || end.subtractDate(t).toSeconds() !== 86400)
						problems.push(`${uid}: DTEND ${end}`);
				}
			}
			if (entry.completed !== null && completed !== entry.completed)
				problems.push(`${completed} completed, want ${entry.completed}`);
		} catch (e) {
			problems.push(`parse error: ${e.message}`);
		}
		if (problems.length === 0) {
			console.log(`ok ${n} - ical.js reads ${entry.file}`);
		} else {
			failed++;
			console.log(`not ok ${n} - ical.js reads ${entry.file}`);
			for (const p of problems.slice(0, 10))
				console.log(`# ${p}`);
		}
	}
	process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
	console.log(`Bail out! ${e.message}`);
	process.exit(1);
});
