/* xiaonao (小脑): robot motion-control core. Include this header for everything.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_H
#define XIAONAO_H

#include "xiaonao/backends.h"
#include "xiaonao/balance.h"
#include "xiaonao/compliance.h"
#include "xiaonao/control.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/estimator.h"
#include "xiaonao/hal.h"
#include "xiaonao/ik.h"
#include "xiaonao/io.h"
#include "xiaonao/model.h"
#include "xiaonao/observer.h"
#include "xiaonao/otg.h"
#include "xiaonao/path.h"
#include "xiaonao/program.h"
#include "xiaonao/qp.h"
#include "xiaonao/runtime.h"
#include "xiaonao/safety.h"
#include "xiaonao/shaping.h"
#include "xiaonao/spatial.h"
#include "xiaonao/types.h"
#include "xiaonao/wbc.h"

#define XN_VERSION_MAJOR 0
#define XN_VERSION_MINOR 1
#define XN_VERSION_PATCH 0

#endif
