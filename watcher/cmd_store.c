/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stub, being written */
#include "config.h"
