#pragma once
// QCustomPlot's header uses the `signals` and `foreach` keywords, which ui turns off with
// QT_NO_KEYWORDS (Qt's `emit` breaks oneTBB). Map them to the Q_ macros for this header only.
#ifndef signals
#define signals Q_SIGNALS
#define MOE_QCP_UNDEF_SIGNALS
#endif
#ifndef foreach
#define foreach Q_FOREACH
#define MOE_QCP_UNDEF_FOREACH
#endif
#include <qcustomplot.h>
#ifdef MOE_QCP_UNDEF_SIGNALS
#undef signals
#undef MOE_QCP_UNDEF_SIGNALS
#endif
#ifdef MOE_QCP_UNDEF_FOREACH
#undef foreach
#undef MOE_QCP_UNDEF_FOREACH
#endif
