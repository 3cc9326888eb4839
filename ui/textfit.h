#pragma once
#include <QFont>
#include <QString>

class QFontMetrics;

namespace moe::ui {

/** Breaks text at spaces into lines no wider than width pixels in this font (its own line
 *  breaks are kept); a single word wider than width is elided to it. */
QString wrapToWidth(const QString& text, const QFontMetrics& metrics, int width);

/** font at factor times its size, whether it is sized in points (the desk) or in pixels
 *  (presentation mode sets pixel sizes, and then pointSizeF() is -1: "pointSize() - 1" gave a
 *  7 pt label on a projector and "pointSizeF() * 1.25" was refused). */
QFont scaledFont(QFont font, double factor);

}  // namespace moe::ui
