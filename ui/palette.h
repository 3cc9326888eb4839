#pragma once
#include <QColor>

namespace moe::ui {

/** Distinct colours for experts and classes (Tableau 10, then evenly spaced hues). */
QColor categoryColor(int index);

}  // namespace moe::ui
