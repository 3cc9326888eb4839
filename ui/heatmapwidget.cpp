#include "ui/heatmapwidget.h"

#include "ui/palette.h"
#include "ui/textfit.h"

#include <algorithm>
#include <cmath>

#include <QTimer>

namespace moe::ui {

HeatmapWidget::HeatmapWidget(QWidget* parent) : PlotView(tr("Class × expert"), parent) {
  setInteractions({});  // clicks select cells; the map always shows all of itself
  xAxis->setLabel(tr("expert"));
  yAxis->setLabel(QString());
  yAxis->setRangeReversed(true);
  for (QCPAxis* axis : {xAxis, yAxis}) {
    axis->setTickLength(0, 0);  // ticks would read as minus signs next to the cell values
    axis->setSubTicks(false);
    axis->grid()->setVisible(false);
  }
  mMap = new QCPColorMap(xAxis, yAxis);
  mMap->setInterpolate(false);
  mMap->setTightBoundary(false);
  QCPColorGradient gradient;
  gradient.clearColorStops();
  gradient.setColorStopAt(0.0, QColor(250, 250, 250));
  gradient.setColorStopAt(0.35, QColor(253, 204, 138));
  gradient.setColorStopAt(0.7, QColor(227, 74, 51));
  gradient.setColorStopAt(1.0, QColor(127, 0, 0));
  mScale = new QCPColorScale(this);
  plotLayout()->addElement(1, 1, mScale);
  mScale->setType(QCPAxis::atRight);
  mScale->axis()->setLabel(tr("share of class"));
  mScale->axis()->setTickLabelFont(xAxis->tickLabelFont());
  mScale->axis()->setLabelFont(xAxis->labelFont());
  mMap->setColorScale(mScale);
  mScale->setGradient(gradient);
  mScale->setDataRange(QCPRange(0, 1));
  auto* group = new QCPMarginGroup(this);
  axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  mScale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  setToolTip(tr("Each cell: the share of a row's inputs (a class, a language, a genre) the gate "
                "sent to that expert; a row sums to 1, and with top-k no cell passes 1/k.\n"
                "I = mutual information between row and expert: 0 bits when the experts ignore "
                "the class, up to log2(classes) bits (the maximum shown) when every class has "
                "its own expert.\nClick a cell to list those inputs in the inspector."));
  setGrid(10, 8);
}

void HeatmapWidget::setGrid(int classes, int experts) {
  if (classes == mClasses && experts == mExperts) return;
  mClasses = classes;
  mExperts = experts;
  mMap->data()->setSize(experts, classes);
  mMap->data()->setRange(QCPRange(0, experts - 1), QCPRange(0, classes - 1));
  for (QCPItemText* t : mLabels) removeItem(t);
  mLabels.clear();
  mShares.assign(std::size_t(classes) * std::size_t(experts), 0.0);
  for (int c = 0; c < classes; ++c) {
    for (int e = 0; e < experts; ++e) {
      auto* t = new QCPItemText(this);
      t->position->setCoords(e, c);
      t->setFont(xAxis->tickLabelFont());
      t->setText(QString());
      mLabels.push_back(t);
    }
  }
  yAxis->setRange(-0.5, classes - 0.5);
  layoutShared();
}

void HeatmapWidget::setSharedExperts(int count) {
  count = std::max(0, count);
  if (count == mShared) return;
  mShared = count;
  layoutShared();
  fitLabels();
  refresh();
}

void HeatmapWidget::layoutShared() {
  for (QCPItemRect* r : mSharedBars) removeItem(r);
  mSharedBars.clear();
  if (mSharedText) removeItem(mSharedText);
  mSharedText = nullptr;
  if (mSeparator) removeItem(mSeparator);
  mSeparator = nullptr;
  xAxis->setRange(-0.5, rightEdge());
  mTickEvery = 0;  // a new grid needs new ticks
  if (mShared > 0) {
    // Half a column of gap, a dark line in it, then one full-height slate column per shared
    // expert: they take every input of every row, so they have no cells to compare.
    mSeparator = new QCPItemStraightLine(this);
    mSeparator->point1->setCoords(mExperts - 0.25, 0);
    mSeparator->point2->setCoords(mExperts - 0.25, 1);
    mSeparator->setPen(QPen(QColor(60, 60, 60), 2.0));
    for (int s = 0; s < mShared; ++s) {
      auto* bar = new QCPItemRect(this);
      bar->topLeft->setCoords(mExperts + s + 0.04, -0.5);
      bar->bottomRight->setCoords(mExperts + s + 0.96, mClasses - 0.5);
      bar->setPen(Qt::NoPen);
      bar->setBrush(sharedExpertColor());
      mSharedBars.push_back(bar);
    }
    // One caption along the whole block, so that it fits however narrow a column is.
    mSharedText = new QCPItemText(this);
    mSharedText->position->setCoords(mExperts + 0.5 * mShared, 0.5 * (mClasses - 1));
    mSharedText->setRotation(-90);
    mSharedText->setColor(Qt::white);
  }
  setExpertTicks();
}

QStringList HeatmapWidget::expertTickLabels() const {
  QStringList names;
  if (const auto t = xAxis->ticker().dynamicCast<QCPAxisTickerText>())
    for (const QString& name : t->ticks()) names << name;
  return names;
}

QString HeatmapWidget::sharedCaption() const {
  return mSharedText && mSharedText->visible() ? mSharedText->text() : QString();
}

QPoint HeatmapWidget::sharedCenter(int s) const {
  return QPoint(int(xAxis->coordToPixel(mExperts + s + 0.5)), int(yAxis->coordToPixel(0.5 * (mClasses - 1))));
}

void HeatmapWidget::setExpertTicks() {
  // Every expert's name where they fit side by side, else every 2nd, 4th, ... one.
  const QFontMetrics fm(xAxis->tickLabelFont());
  const int nameWidth = fm.horizontalAdvance(QStringLiteral("E%1 ").arg(std::max(0, mExperts - 1)));
  const int room = std::max(1, int(axisRect()->width() * mExperts / (rightEdge() + 0.5)));
  int every = 1;
  while (every < mExperts && (mExperts / every) * nameWidth > room) every *= 2;
  if (every == mTickEvery && xAxis->ticker().dynamicCast<QCPAxisTickerText>()) return;
  mTickEvery = every;
  QSharedPointer<QCPAxisTickerText> xt(new QCPAxisTickerText);
  for (int e = 0; e < mExperts; e += every) xt->addTick(e, QStringLiteral("E%1").arg(e));
  // Shared experts: each named where the names fit their columns, else one name for the block.
  const double colW = axisRect()->width() / (rightEdge() + 0.5);
  const QString last = QStringLiteral("S%1").arg(mShared);
  if (fm.horizontalAdvance(last) <= 0.95 * colW)
    for (int s = 0; s < mShared; ++s) xt->addTick(mExperts + s + 0.5, QStringLiteral("S%1").arg(s + 1));
  else if (mShared > 0)
    xt->addTick(mExperts + 0.5 * mShared, mShared == 1 ? last : QStringLiteral("S1–%1").arg(last));
  xAxis->setTicker(xt);
}

void HeatmapWidget::fill(const QStringList& rowNames, int experts, const std::vector<double>& shares) {
  const int classes = rowNames.size();
  setGrid(classes, experts);
  mRowNames = rowNames;
  QSharedPointer<QCPAxisTickerText> yt(new QCPAxisTickerText);
  for (int c = 0; c < classes; ++c) yt->addTick(c, rowNames[c]);
  yAxis->setTicker(yt);
  const bool labels = classes * experts <= 160;
  for (int c = 0; c < classes; ++c)
    for (int e = 0; e < experts; ++e) {
      const double s = shares[std::size_t(c * experts + e)];
      mShares[std::size_t(c * experts + e)] = s;
      mMap->data()->setCell(e, c, s);
      QCPItemText* t = mLabels[std::size_t(c * experts + e)];
      t->setText(labels && s >= 0.005 ? QString::number(int(std::lround(s * 100))) : QString());
      t->setColor(s > 0.55 * mScaleMax ? Qt::white : Qt::black);
    }
}

void HeatmapWidget::setCounts(const QStringList& classNames, int experts,
                              const std::vector<std::int64_t>& counts, double mutualInformation,
                              const QString& source) {
  const int classes = classNames.size();
  if (classes <= 0 || experts <= 0 || counts.size() != std::size_t(classes) * std::size_t(experts))
    return;
  std::vector<double> shares(counts.size(), 0.0);
  for (int c = 0; c < classes; ++c) {
    double total = 0.0;
    for (int e = 0; e < experts; ++e) total += double(counts[std::size_t(c * experts + e)]);
    for (int e = 0; e < experts; ++e)
      if (total > 0) shares[std::size_t(c * experts + e)] = double(counts[std::size_t(c * experts + e)]) / total;
  }
  fill(classNames, experts, shares);
  // Title and a smaller line (the plot is a third of the window wide): what, then from where
  // and how much it says, against the most it could say: I <= min(log2 rows, log2 experts).
  QString second = source;
  if (mutualInformation >= 0) {
    const double most = std::log2(double(std::max(1, std::min(classes, experts))));
    second += tr(" · I = %1 of %2 bits").arg(mutualInformation, 0, 'f', 2).arg(most, 0, 'f', 2);
  }
  setShownTitle(tr("%1 × expert").arg(mNoun));
  setSubtitle(second);
  fitLabels();
  refresh();
}

void HeatmapWidget::setScaleMax(double most) {
  mScaleMax = std::clamp(most, 1e-3, 1.0);
  mScale->setDataRange(QCPRange(0, mScaleMax));
  refresh();
}

void HeatmapWidget::fitLabels() {
  if (mExperts <= 0 || mClasses <= 0) return;
  setExpertTicks();
  // The widest label, "100", fits its cell: smaller fonts for narrow cells, never larger
  // than the tick labels.
  const double cellW = std::max(1.0, double(axisRect()->width()) / (rightEdge() + 0.5));
  const double cellH = std::max(1.0, double(axisRect()->height()) / mClasses);
  QFont f = xAxis->tickLabelFont();
  const QFontMetricsF base(f);
  const double scale = std::min({1.0, 0.9 * cellW / base.horizontalAdvance(QStringLiteral("100")),
                                 0.9 * cellH / base.height()});
  // Below 8 px a number is unreadable (on a projector below 18 px): the colours speak alone.
  const double least = presentation() ? double(kPresentationPixels) : 8.0;
  const double pixels = QFontInfo(f).pixelSize() * scale;
  mNumbersFit = pixels >= least - 0.01;
  f.setPixelSize(int(std::max(least, std::floor(pixels))));
  for (QCPItemText* t : mLabels) {
    t->setFont(f);
    t->setVisible(mNumbersFit);
  }
  // The shared block's caption runs along it, in a font no taller than the block is wide.
  if (mSharedText) {
    QFont sf = xAxis->tickLabelFont();
    const double blockW = 0.92 * cellW * mShared;
    sf = scaledFont(sf, std::clamp(0.85 * blockW / QFontMetricsF(sf).height(), 0.6, 1.0));
    const QFontMetricsF sm(sf);
    const double tall = axisRect()->height() - 6;
    const QString names = mShared == 1 ? QStringLiteral("S1") : QStringLiteral("S1–S%1").arg(mShared);
    QString text;
    for (const QString& t : {tr("%1 shared: every input (100%)").arg(names), tr("shared: every input"),
                             tr("shared")})
      if (sm.horizontalAdvance(t) <= tall) {
        text = t;
        break;
      }
    mSharedText->setFont(sf);
    mSharedText->setText(text);
    mSharedText->setVisible(!text.isEmpty() && sm.height() <= blockW);
  }
}

void HeatmapWidget::setPresentation(bool on) {
  PlotView::setPresentation(on);
  mScale->axis()->setTickLabelFont(xAxis->tickLabelFont());
  mScale->axis()->setLabelFont(xAxis->labelFont());
  fitLabels();
  refresh();
}

int HeatmapWidget::smallestTextPixels() const {
  int least = std::min({PlotView::smallestTextPixels(), QFontInfo(mScale->axis()->tickLabelFont()).pixelSize(),
                        QFontInfo(mScale->axis()->labelFont()).pixelSize()});
  if (cellNumbersShown() && !mLabels.empty()) least = std::min(least, QFontInfo(mLabels.front()->font()).pixelSize());
  return least;
}

void HeatmapWidget::resizeEvent(QResizeEvent* event) {
  PlotView::resizeEvent(event);
  // The axis rect gets its new size in the next layout pass: fit the labels to it then.
  QTimer::singleShot(0, this, [this] {
    fitLabels();
    refresh();
  });
}

void HeatmapWidget::setShares(const QStringList& rowNames, int experts,
                              const std::vector<float>& shares, const QString& title,
                              const QString& scaleLabel) {
  if (rowNames.isEmpty() || experts <= 0 ||
      shares.size() != std::size_t(rowNames.size()) * std::size_t(experts))
    return;
  fill(rowNames, experts, std::vector<double>(shares.begin(), shares.end()));
  mScale->axis()->setLabel(scaleLabel);
  setShownTitle(title);
  fitLabels();
  refresh();
}

void HeatmapWidget::setRowKind(const QString& noun, const QString& counted) {
  mNoun = noun;
  mCounted = counted;
  // What is counted goes on the scale: the title has no room for it.
  mScale->axis()->setLabel(counted.isEmpty() ? tr("share of %1").arg(noun.toLower())
                                             : tr("share of the %1's %2").arg(noun.toLower(), counted));
}

double HeatmapWidget::share(int cls, int expert) const {
  if (cls < 0 || cls >= mClasses || expert < 0 || expert >= mExperts) return 0.0;
  return mShares[std::size_t(cls * mExperts + expert)];
}

QPoint HeatmapWidget::cellCenter(int cls, int expert) const {
  return QPoint(int(xAxis->coordToPixel(expert)), int(yAxis->coordToPixel(cls)));
}

bool HeatmapWidget::cellAt(const QPointF& pos, int* cls, int* expert) const {
  if (!axisRect()->rect().contains(pos.toPoint())) return false;
  const int e = int(std::lround(xAxis->pixelToCoord(pos.x())));
  const int c = int(std::lround(yAxis->pixelToCoord(pos.y())));
  if (c < 0 || c >= mClasses || e < 0 || e >= mExperts) return false;
  *cls = c;
  *expert = e;
  return true;
}

void HeatmapWidget::mouseReleaseEvent(QMouseEvent* event) {
  PlotView::mouseReleaseEvent(event);
  int c = 0;
  int e = 0;
  if (event->button() == Qt::LeftButton && cellAt(event->position(), &c, &e))
    Q_EMIT cellClicked(c, e);
}

}  // namespace moe::ui
