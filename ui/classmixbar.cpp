#include "ui/classmixbar.h"

#include <numeric>

#include <QEvent>
#include <QPainter>

#include "ui/palette.h"
#include "ui/textfit.h"

namespace moe::ui {

ClassMixBar::ClassMixBar(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(QFontMetrics(scaledFont(font(), 0.9)).height() + 6);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void ClassMixBar::setMix(const std::vector<double>& counts, const QStringList& classNames) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  mShares.clear();
  for (double c : counts) mShares.push_back(total > 0 ? c / total : 0.0);
  mNames = classNames;
  QStringList tip;
  for (std::size_t c = 0; c < mShares.size(); ++c) {
    if (mShares[c] < 0.005) continue;
    const QString name = int(c) < mNames.size() ? mNames[int(c)] : QString::number(c);
    tip << QStringLiteral("<span style='color:%1'>■</span> %2: %3%")
               .arg(categoryColor(int(c)).name(), name)
               .arg(mShares[c] * 100, 0, 'f', 1);
  }
  setToolTip(tip.join(QStringLiteral("<br>")));
  update();
}

void ClassMixBar::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  // Tall enough for its class names in the font it has now (presentation mode's is larger).
  if (event->type() == QEvent::FontChange) setMinimumHeight(QFontMetrics(scaledFont(font(), 0.9)).height() + 6);
}

void ClassMixBar::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QRectF area = QRectF(rect()).adjusted(0, 2, -1, -2);
  p.fillRect(area, palette().base());
  double x = area.left();
  p.setFont(scaledFont(font(), 0.9));
  for (std::size_t c = 0; c < mShares.size(); ++c) {
    const double w = mShares[c] * area.width();
    if (w <= 0) continue;
    const QRectF seg(x, area.top(), w, area.height());
    p.fillRect(seg, categoryColor(int(c)));
    const QString name = int(c) < mNames.size() ? mNames[int(c)] : QString::number(c);
    if (w > p.fontMetrics().horizontalAdvance(name) + 6) {
      p.setPen(Qt::white);
      p.drawText(seg, Qt::AlignCenter, name);
    }
    x += w;
  }
  p.setPen(palette().mid().color());
  p.drawRect(area);
}

}  // namespace moe::ui
