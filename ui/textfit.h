#pragma once
#include <QString>

class QFontMetrics;

namespace moe::ui {

/** Breaks text at spaces into lines no wider than width pixels in this font (its own line
 *  breaks are kept); a single word wider than width is elided to it. */
QString wrapToWidth(const QString& text, const QFontMetrics& metrics, int width);

}  // namespace moe::ui
