#include "ui/textfit.h"

#include <algorithm>
#include <cmath>

#include <QFontMetrics>
#include <QStringList>

namespace moe::ui {

QString wrapToWidth(const QString& text, const QFontMetrics& metrics, int width) {
  if (width <= 0) return text;
  QStringList out;
  for (const QString& paragraph : text.split(QLatin1Char('\n'))) {
    QString line;
    for (QString word : paragraph.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
      if (metrics.horizontalAdvance(word) > width) word = metrics.elidedText(word, Qt::ElideRight, width);
      const QString joined = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
      if (line.isEmpty() || metrics.horizontalAdvance(joined) <= width) {
        line = joined;
      } else {
        out << line;
        line = word;
      }
    }
    out << line;
  }
  return out.join(QLatin1Char('\n'));
}

QFont scaledFont(QFont font, double factor) {
  if (font.pixelSize() > 0)
    font.setPixelSize(std::max(1, int(std::lround(font.pixelSize() * factor))));
  else if (font.pointSizeF() > 0)
    font.setPointSizeF(font.pointSizeF() * factor);
  return font;
}

}  // namespace moe::ui
