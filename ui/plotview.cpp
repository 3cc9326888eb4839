#include "ui/plotview.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QResizeEvent>
#include <QPointer>
#include <QSettings>

#include <algorithm>
#include <deque>
#include <vector>

#include "ui/markerlayout.h"
#include "ui/replotqueue.h"
#include "ui/textfit.h"

namespace moe::ui {

PlotView::PlotView(const QString& title, QWidget* parent)
    : QCustomPlot(parent), mTitle(title), mTitleText(title) {
  setObjectName(slug());
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  setNoAntialiasingOnDrag(true);
  // Curves have thousands of points while training: fast polylines, and no antialiased fills
  // (the stacked load areas), keep a replot to a few milliseconds.
  setPlottingHint(QCP::phFastPolylines, true);
  setNotAntialiasedElements(QCP::aeFills);
  setMinimumSize(260, 200);
  plotLayout()->insertRow(0);
  mTitleElement = new QCPTextElement(this, title, QFont(font().family(), 13, QFont::Bold));
  plotLayout()->addElement(0, 0, mTitleElement);
  legend->setBrush(QColor(255, 255, 255, 200));
  legend->setBorderPen(QPen(QColor(180, 180, 180)));
  setBaseFontSize(11);
  setContextMenuPolicy(Qt::CustomContextMenu);
  connect(this, &QWidget::customContextMenuRequested, this, &PlotView::showMenu);
  mDeferred.setSingleShot(true);
  // Marker labels are placed once the axes have their size for this replot.
  connect(this, &QCustomPlot::afterLayout, this, &PlotView::layoutMarkers);
  // As many y ticks as the axes have lines for: "0.8 0.6 0.4 0.2 0" in 70 px ran together on a
  // projector. Known only once laid out: a changed count is drawn at the next replot (refresh).
  connect(this, &QCustomPlot::afterLayout, this, [this] {
    const double line = QFontMetricsF(yAxis->tickLabelFont()).height();
    const int count = std::clamp(int(axisRect()->height() / (1.4 * line)), 2, 5);
    if (count == yAxis->ticker()->tickCount()) return;
    yAxis->ticker()->setTickCount(count);
    refresh();
  });
  connect(&mDeferred, &QTimer::timeout, this,
          [this] { ReplotQueue::instance().enqueue(this, &PlotView::replotNow); });
}

void PlotView::addMarker(double x, const QString& label, const QColor& color, int group) {
  auto* line = new QCPItemStraightLine(this);
  line->point1->setCoords(x, 0.0);
  line->point2->setCoords(x, 1.0);
  line->setPen(QPen(color, 2, Qt::DashLine));
  auto* text = new QCPItemText(this);
  text->position->setType(QCPItemPosition::ptAbsolute);  // placed in pixels by layoutMarkers
  text->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
  text->setPadding(QMargins(3, 1, 3, 1));
  text->setBrush(QColor(255, 255, 255, 210));
  text->setText(label);
  text->setColor(color);
  QFont markerFont(font().family(), 10, QFont::Bold);
  if (mPresentation) markerFont.setPixelSize(kPresentationPixels);
  text->setFont(markerFont);
  text->setClipToAxisRect(true);
  text->setVisible(false);  // until the next layout places it
  mMarkers.push_back({line, text, label, x, group});
  refresh();
}

void PlotView::layoutMarkers() {
  if (mMarkers.empty()) return;
  std::vector<MarkerBox> boxes;
  for (const Marker& m : mMarkers) {
    const QFontMetrics metrics(m.text->font());
    boxes.push_back({xAxis->coordToPixel(m.x), metrics.horizontalAdvance(m.label) + 8, metrics.height() + 2});
  }
  const std::vector<MarkerPlace> places = layoutMarkerLabels(boxes, axisRect()->rect());
  for (std::size_t i = 0; i < mMarkers.size(); ++i) {
    QCPItemText* text = mMarkers[i].text;
    text->setVisible(places[i].shown);
    if (!places[i].shown) continue;
    const QFontMetrics metrics(text->font());
    text->setText(places[i].box.width() < boxes[i].width
                      ? metrics.elidedText(mMarkers[i].label, Qt::ElideRight, places[i].box.width() - 8)
                      : mMarkers[i].label);
    text->position->setCoords(places[i].box.left(), places[i].box.top());
  }
}

QRect PlotView::markerLabelRect(int i) const {
  const QCPItemText* text = mMarkers[std::size_t(i)].text;
  if (!text->visible()) return {};
  return QRect(text->topLeft->pixelPosition().toPoint(), text->bottomRight->pixelPosition().toPoint());
}

void PlotView::setEmptyHint(const QString& text) {
  if (!mEmptyHint) {
    mEmptyHint = new QCPItemText(this);
    mEmptyHint->position->setType(QCPItemPosition::ptAxisRectRatio);
    mEmptyHint->position->setCoords(0.5, 0.45);
    mEmptyHint->setPositionAlignment(Qt::AlignCenter);
    mEmptyHint->setTextAlignment(Qt::AlignCenter);
    mEmptyHint->setColor(QColor(90, 90, 90));
    mEmptyHint->setClipToAxisRect(false);
  }
  QFont f = xAxis->labelFont();
  f.setItalic(true);
  mEmptyHint->setFont(f);
  mEmptyHint->setText(text);
  mEmptyHint->setVisible(!hasData());
  refresh();
}

bool PlotView::emptyHintShown() const {
  // As drawn: a plot replotted behind PlotView's back (QCustomPlot::replot) kept the hint over
  // its curves ("Select runs in the table to overlay their curves" across two runs' curves).
  return mEmptyHint && mEmptyHint->visible() && !mEmptyHint->text().isEmpty();
}

bool PlotView::hasData() const {
  for (int i = 0; i < graphCount(); ++i)
    if (graph(i)->dataCount() > 0) return true;
  return false;
}

void PlotView::clearMarkers(int group) {
  std::vector<Marker> kept;
  for (const Marker& m : mMarkers) {
    if (group >= 0 && m.group != group) {
      kept.push_back(m);
      continue;
    }
    removeItem(m.line);
    removeItem(m.text);
  }
  mMarkers = std::move(kept);
  refresh();
}

void PlotView::showAround(double x, double halfWidth) {
  setFollowing(false);
  xAxis->setRange(x - halfWidth, x + halfWidth);
  replot(QCustomPlot::rpQueuedReplot);
}

void PlotView::setTitle(const QString& title) {
  mTitle = title;
  setObjectName(slug());
  setShownTitle(title);
}

void PlotView::setShownTitle(const QString& text) {
  mTitleText = text;
  fitTitles();
  refresh();
}

void PlotView::fitTitles(int plotWidth) {
  // A QCPTextElement draws one line centred, whatever the width: a title wider than a narrow
  // plot lost both its ends ("racy drop with the expert removed (next-choice, ste").
  int room = (plotWidth > 0 ? plotWidth : width()) - 12;
  // The title sits over the first column only: a colour scale beside the map (heatmaps,
  // histograms over time) takes the rest, and a title as wide as the widget lost its ends there.
  for (int c = 1; c < plotLayout()->columnCount(); ++c) {
    int widest = 0;
    for (int r = 0; r < plotLayout()->rowCount(); ++r)
      if (QCPLayoutElement* e = plotLayout()->element(r, c)) widest = std::max(widest, e->outerRect().width());
    room -= widest;
  }
  mTitleElement->setText(wrapToWidth(mTitleText, QFontMetrics(mTitleElement->font()), room));
  if (mSubtitle) mSubtitle->setText(wrapToWidth(mSubtitleText, QFontMetrics(mSubtitle->font()), room));
}

QString PlotView::drawnTitle() const {
  return mSubtitle ? mTitleElement->text() + QLatin1Char('\n') + mSubtitle->text() : mTitleElement->text();
}

QString PlotView::slug() const {
  QString s = mTitle.toLower();
  for (QChar& c : s) {
    if (!c.isLetterOrNumber()) c = QLatin1Char('-');
  }
  while (s.contains(QLatin1String("--"))) s.replace(QLatin1String("--"), QLatin1String("-"));
  while (s.endsWith(QLatin1Char('-'))) s.chop(1);
  return s;
}

void PlotView::setBaseFontSize(int points) {
  QFont f = font();
  f.setPointSize(points);
  QFont label = f;
  label.setPointSize(points + 1);
  for (QCPAxis* axis : {xAxis, yAxis, xAxis2, yAxis2}) {
    axis->setTickLabelFont(f);
    axis->setLabelFont(label);
  }
  legend->setFont(f);
  QFont title = f;
  title.setPointSize(points + 2);
  title.setBold(true);
  mTitleElement->setFont(title);
  if (mSubtitle) mSubtitle->setFont(label);
  fitTitles();
}

void PlotView::setPresentation(bool on) {
  if (on == mPresentation) return;
  mPresentation = on;
  if (!on) {
    setBaseFontSize(11);
  } else {
    QFont f = font();
    f.setPixelSize(kPresentationPixels);
    QFont label = f;
    label.setPixelSize(kPresentationPixels + 2);
    for (QCPAxis* axis : {xAxis, yAxis, xAxis2, yAxis2}) {
      axis->setTickLabelFont(f);
      axis->setLabelFont(label);
    }
    legend->setFont(f);
    QFont title = f;
    title.setPixelSize(kPresentationPixels + 6);
    title.setBold(true);
    mTitleElement->setFont(title);
    if (mSubtitle) mSubtitle->setFont(label);
    fitTitles();
  }
  const double factor = on ? 2.0 : 0.5;
  for (int i = 0; i < graphCount(); ++i) {
    QPen pen = graph(i)->pen();
    pen.setWidthF(pen.widthF() * factor);
    graph(i)->setPen(pen);
  }
  for (const Marker& m : mMarkers) {
    QFont f = m.text->font();
    f.setPixelSize(on ? kPresentationPixels : 13);
    m.text->setFont(f);
  }
  if (mEmptyHint) {
    QFont f = xAxis->labelFont();
    f.setItalic(true);
    mEmptyHint->setFont(f);
  }
  // Tick counts follow the label width: recompute them for the new font.
  QResizeEvent resize(size(), size());
  resizeEvent(&resize);
  refresh();
}

int PlotView::smallestTextPixels() const {
  int least = QFontInfo(mTitleElement->font()).pixelSize();
  const auto take = [&least](const QFont& f) { least = std::min(least, QFontInfo(f).pixelSize()); };
  for (QCPAxis* axis : {xAxis, yAxis, xAxis2, yAxis2}) {
    if (!axis->visible()) continue;
    take(axis->tickLabelFont());
    if (!axis->label().isEmpty()) take(axis->labelFont());
  }
  if (legend->visible() && legend->itemCount() > 0) take(legend->font());
  if (mSubtitle) take(mSubtitle->font());
  for (const Marker& m : mMarkers) take(m.text->font());
  return least;
}

void PlotView::setFollowing(bool follow) {
  mFollowing = follow;
  if (follow) refresh();
}

void PlotView::rescale() { rescaleAxes(true); }

void PlotView::refresh() {
  if (!isVisible()) {
    mDirty = true;  // replot when shown; hidden plots cost nothing while training
    return;
  }
  if (mDeferred.isActive() || ReplotQueue::instance().contains(this))
    return;  // a replot is already on its way
  const qint64 since = mSinceReplot.isValid() ? mSinceReplot.elapsed() : mMinInterval;
  if (since >= mMinInterval)
    ReplotQueue::instance().enqueue(this, &PlotView::replotNow);
  else
    mDeferred.start(int(mMinInterval - since));
}

void PlotView::replotNow() {
  mDirty = false;
  fitLegendColumns();  // entries may have been added since the last resize
  mSinceReplot.restart();
  if (mEmptyHint) mEmptyHint->setVisible(!hasData());
  prepareData();
  if (mFollowing) rescale();
  replot(QCustomPlot::rpRefreshHint);
}

void PlotView::showEvent(QShowEvent* event) {
  QCustomPlot::showEvent(event);
  if (mDirty) refresh();
}

void PlotView::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) mFollowing = false;  // the user takes over the axes
  QCustomPlot::mousePressEvent(event);
}

void PlotView::wheelEvent(QWheelEvent* event) {
  mFollowing = false;
  QCustomPlot::wheelEvent(event);
}

void PlotView::mouseDoubleClickEvent(QMouseEvent* event) {
  QCustomPlot::mouseDoubleClickEvent(event);
  setFollowing(true);
}

void PlotView::placeLegendBelow() {
  legend->setVisible(true);
  axisRect()->insetLayout()->take(legend);
  plotLayout()->addElement(plotLayout()->rowCount(), 0, legend);
  plotLayout()->setRowStretchFactor(plotLayout()->rowCount() - 1, 0.001);
  legend->setFillOrder(QCPLegend::foColumnsFirst);
  legend->setMargins(QMargins(4, 1, 4, 1));
  mLegendBelow = true;
  fitLegendColumns();
}

void PlotView::fitLegendColumns() {
  if (!mLegendBelow) return;
  std::vector<int> widths;
  for (int i = 0; i < legend->itemCount(); ++i)
    if (const QCPAbstractLegendItem* item = legend->item(i))  // a re-flowed grid has empty cells
      widths.push_back(item->minimumOuterSizeHint().width());
  if (widths.empty()) return;
  // The most columns whose widest entries fit side by side (entry i goes to column i % c).
  const int room = width() - 16;
  int columns = 1;
  for (int c = int(widths.size()); c > 1; --c) {
    std::vector<int> column(std::size_t(c), 0);
    for (std::size_t i = 0; i < widths.size(); ++i) column[i % std::size_t(c)] = std::max(column[i % std::size_t(c)], widths[i]);
    int total = legend->columnSpacing() * (c - 1) + legend->margins().left() + legend->margins().right();
    for (int w : column) total += w;
    if (total <= room) {
      columns = c;
      break;
    }
  }
  if (columns == legend->wrap()) return;
  legend->setWrap(columns);
  legend->setFillOrder(QCPLegend::foColumnsFirst, true);  // re-flows the entries
}

void PlotView::setSubtitle(const QString& text) {
  if (!mSubtitle) {
    plotLayout()->insertRow(1);
    QFont f = xAxis->labelFont();
    mSubtitle = new QCPTextElement(this, text, f);
    plotLayout()->addElement(1, 0, mSubtitle);
    plotLayout()->setRowStretchFactor(1, 0.001);
  }
  mSubtitleText = text;
  fitTitles();
}

QString PlotView::shownTitle() const {
  return mSubtitle ? mTitleText + QLatin1Char('\n') + mSubtitleText : mTitleText;
}

void PlotView::resizeEvent(QResizeEvent* event) {
  // As many x ticks as their labels have room for: "1000 2000 3000", never "100020003000".
  const int labelWidth = QFontMetrics(xAxis->tickLabelFont()).horizontalAdvance(QStringLiteral("00000")) + 24;
  xAxis->ticker()->setTickCount(std::clamp(event->size().width() / std::max(1, labelWidth) - 1, 2, 8));
  QCustomPlot::resizeEvent(event);
  fitLegendColumns();
  fitTitles();
}

bool PlotView::exportTo(const QString& path, QString* error) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  prepareData();  // a smoothed curve may wait for the next replot
  const int w = std::max(width(), 800);
  const int h = std::max(height(), 500);
  if (suffix != QLatin1String("png") && suffix != QLatin1String("pdf")) {
    if (error) *error = tr("Unknown export format '%1' (use .png or .pdf)").arg(suffix);
    return false;
  }
  fitTitles(w);  // the file is at least 800 pixels wide: a hidden plot's titles may be longer there
  const bool ok = suffix == QLatin1String("png") ? savePng(path, w, h, 2.0) : savePdf(path, w, h);
  fitTitles();
  if (!ok && error) *error = tr("Could not write %1").arg(path);
  return ok;
}

void PlotView::showMenu(const QPoint& pos) {
  QMenu menu(this);
  menu.addAction(tr("Export as PNG…"), this, [this] { exportWithDialog(QStringLiteral("png")); });
  menu.addAction(tr("Export as PDF…"), this, [this] { exportWithDialog(QStringLiteral("pdf")); });
  menu.addSeparator();
  menu.addAction(tr("Follow data (reset zoom)"), this, [this] { setFollowing(true); });
  menu.exec(mapToGlobal(pos));
}

void PlotView::exportWithDialog(const QString& suffix) {
  QSettings settings;
  const QString dir = settings.value(QStringLiteral("paths/export")).toString();
  const QString filter = suffix == QLatin1String("png") ? tr("PNG image (*.png)") : tr("PDF (*.pdf)");
  QString path = QFileDialog::getSaveFileName(this, tr("Export %1").arg(mTitle),
                                              dir + QLatin1Char('/') + slug() + QLatin1Char('.') + suffix,
                                              filter);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += QLatin1Char('.') + suffix;
  settings.setValue(QStringLiteral("paths/export"), QFileInfo(path).absolutePath());
  QString error;
  const bool ok = exportTo(path, &error);
  Q_EMIT exportFinished(path, ok, error);
}

}  // namespace moe::ui
