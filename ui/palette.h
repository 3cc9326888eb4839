#pragma once
#include <QColor>

namespace moe::ui {

/** Distinct colours for experts and classes (Tableau 10, then evenly spaced hues). */
QColor categoryColor(int index);

/** Shared (always-on) experts: one slate grey, apart from every routed expert's colour. */
QColor sharedExpertColor();

}  // namespace moe::ui
