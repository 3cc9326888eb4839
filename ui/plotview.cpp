#include "ui/plotview.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>

namespace moe::ui {

PlotView::PlotView(const QString& title, QWidget* parent) : QCustomPlot(parent), mTitle(title) {
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
  connect(&mDeferred, &QTimer::timeout, this, &PlotView::replotNow);
}

void PlotView::setTitle(const QString& title) {
  mTitle = title;
  mTitleElement->setText(title);
  setObjectName(slug());
  refresh();
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
  if (mDeferred.isActive()) return;  // a replot is already on its way
  const qint64 since = mSinceReplot.isValid() ? mSinceReplot.elapsed() : mMinInterval;
  if (since >= mMinInterval)
    replotNow();
  else
    mDeferred.start(int(mMinInterval - since));
}

void PlotView::replotNow() {
  mDirty = false;
  mSinceReplot.restart();
  if (mFollowing) rescale();
  replot(QCustomPlot::rpQueuedReplot);
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

bool PlotView::exportTo(const QString& path, QString* error) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  const int w = std::max(width(), 800);
  const int h = std::max(height(), 500);
  bool ok = false;
  if (suffix == QLatin1String("png")) {
    ok = savePng(path, w, h, 2.0);
  } else if (suffix == QLatin1String("pdf")) {
    ok = savePdf(path, w, h);
  } else {
    if (error) *error = tr("Unknown export format '%1' (use .png or .pdf)").arg(suffix);
    return false;
  }
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
