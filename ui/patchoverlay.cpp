#include "ui/patchoverlay.h"

#include <algorithm>
#include <map>

#include <QCoreApplication>
#include <QPainter>
#include <QPainterPath>

#include "ui/palette.h"

namespace moe::ui {

QImage patchRoutingOverlay(const core::Inspection& in, int width, int height, int scale) {
  const int p = in.patchSize;
  if (p <= 0 || width % p != 0 || height % p != 0) return {};
  const int across = width / p, down = height / p;
  if (int(in.tokens.size()) != across * down) return {};
  QImage out(width * scale, height * scale, QImage::Format_ARGB32_Premultiplied);
  out.fill(Qt::transparent);
  QPainter painter(&out);
  painter.setRenderHint(QPainter::Antialiasing, true);
  QFont font = painter.font();
  font.setPixelSize(std::max(8, p * scale * 2 / 5));
  font.setBold(true);
  painter.setFont(font);
  const int side = p * scale;
  for (int i = 0; i < across * down; ++i) {
    const QRect cell((i % across) * side, (i / across) * side, side, side);
    const auto& experts = in.tokens[std::size_t(i)].experts;
    if (experts.empty()) {
      painter.fillRect(cell, QBrush(QColor(128, 128, 128, 150), Qt::BDiagPattern));
    } else {
      QColor c = categoryColor(experts.front());
      c.setAlpha(120);
      painter.fillRect(cell, c);
      // The number in white with a dark outline reads on light and dark pixels alike.
      const QString label = QString::number(experts.front());
      QPainterPath path;
      const QFontMetrics fm(font);
      const QPointF at(cell.center().x() - fm.horizontalAdvance(label) / 2.0,
                       cell.center().y() + fm.ascent() / 2.0 - 1);
      path.addText(at, font, label);
      painter.strokePath(path, QPen(QColor(0, 0, 0, 200), std::max(1.5, side / 20.0)));
      painter.fillPath(path, Qt::white);
    }
    painter.setPen(QPen(QColor(255, 255, 255, 90), 1));
    painter.drawRect(cell.adjusted(0, 0, -1, -1));
  }
  return out;
}

QString patchLegendHtml(const core::Inspection& in) {
  std::map<int, int> count;
  int dropped = 0;
  for (const core::TokenRouting& t : in.tokens) {
    if (t.experts.empty()) ++dropped;
    else ++count[t.experts.front()];
  }
  std::vector<std::pair<int, int>> order(count.begin(), count.end());
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  QStringList items;
  for (const auto& [expert, n] : order)
    items << QStringLiteral("<span style='color:%1;font-size:large'>■</span>&nbsp;E%2: %3")
                 .arg(categoryColor(expert).name())
                 .arg(expert)
                 .arg(n);
  if (dropped > 0) items << QCoreApplication::translate("PatchOverlay", "▨ dropped: %1").arg(dropped);
  return QCoreApplication::translate("PatchOverlay", "First-choice expert per patch (%1 patches of %2×%2 px): ")
             .arg(in.tokens.size())
             .arg(in.patchSize) +
         items.join(QStringLiteral(" &nbsp; "));
}

}  // namespace moe::ui
