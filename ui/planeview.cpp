#include "ui/planeview.h"

#include <algorithm>
#include <cmath>

#include <QMouseEvent>
#include <QPainter>

#include "core/data/dataset.h"
#include "ui/playgroundimages.h"
#include "ui/textfit.h"

namespace moe::ui {

namespace {
constexpr int kMaxDrawnPoints = 1500;  // more only hides the regions under them
}

PlaneView::PlaneView(const QString& title, QWidget* parent) : QWidget(parent), mTitle(title) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void PlaneView::setImage(const QImage& image, const core::PlaneGrid& grid, bool exact) {
  mImage = image;
  mGrid = grid;
  mExact = exact;
  update();
}

void PlaneView::setTitle(const QString& title) {
  mTitle = title;
  update();
}

void PlaneView::setPoints(const core::Dataset* data, float lo, float hi) {
  mData = data;
  mLo = lo;
  mHi = hi;
  update();
}

void PlaneView::setAdding(bool on) {
  mAdding = on;
  setCursor(on ? Qt::CrossCursor : Qt::ArrowCursor);
}

QFont PlaneView::titleFont() const {
  // A quarter larger on the desk; on a projector (presentation mode's pixel-sized fonts) the
  // text is large already, and a larger title took the pictures' height.
  QFont f = scaledFont(font(), font().pixelSize() > 0 ? 1.0 : 1.25);
  f.setBold(true);
  return f;
}

double PlaneView::titleHeight() const {
  // Wrapped to the view's width: a title wider than the view lost both its ends.
  return QFontMetrics(titleFont())
      .boundingRect(QRect(0, 0, std::max(1, width()), 100000), Qt::AlignHCenter | Qt::TextWordWrap, mTitle)
      .height();
}

QRectF PlaneView::plotRect() const {
  const QFontMetrics fm(font());
  const double top = std::max(fm.height() * 1.8, titleHeight() + fm.height() * 0.5), left = fm.horizontalAdvance(QStringLiteral("-1.0")) + 10,
               bottom = fm.height() + 8;
  // The last x tick is centred on the right edge: half of it lies outside the picture.
  const double right = fm.horizontalAdvance(QStringLiteral("-1.0")) / 2.0 + 4;
  const double side = std::max(10.0, std::min(width() - left - right, height() - top - bottom));
  return {left + (width() - left - right - side) / 2, top, side, side};
}

QPointF PlaneView::toWidget(double x, double y) const {
  const QRectF r = plotRect();
  return {r.left() + (x - mGrid.xMin) / (mGrid.xMax - mGrid.xMin) * r.width(),
          r.top() + (mGrid.yMax - y) / (mGrid.yMax - mGrid.yMin) * r.height()};
}

QPointF PlaneView::toPlane(QPointF w) const {
  const QRectF r = plotRect();
  return {mGrid.xMin + (w.x() - r.left()) / r.width() * (mGrid.xMax - mGrid.xMin),
          mGrid.yMax - (w.y() - r.top()) / r.height() * (mGrid.yMax - mGrid.yMin)};
}

void PlaneView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const QRectF r = plotRect();
  p.setFont(titleFont());
  p.setPen(palette().color(QPalette::WindowText));
  p.drawText(QRectF(0, 0, width(), r.top() - 4), Qt::AlignHCenter | Qt::AlignBottom | Qt::TextWordWrap, mTitle);
  p.setFont(font());
  if (mImage.isNull()) {
    p.fillRect(r, QColor(240, 240, 240));
    p.drawText(r, Qt::AlignCenter, tr("Waiting for the model…"));
  } else {
    p.setRenderHint(QPainter::SmoothPixmapTransform, !mExact);
    p.drawImage(r, mImage);
  }
  // Axes: ticks at the extent's ends and middle.
  p.setPen(QPen(QColor(90, 90, 90), 1));
  const QFontMetrics fm(font());
  const auto tick = [](double v) {  // no "-0.0" for a middle a hair below zero
    const QString t = QString::number(v, 'f', 1);
    return t == QStringLiteral("-0.0") ? QStringLiteral("0.0") : t;
  };
  for (int i = 0; i <= 2; ++i) {
    const double vx = mGrid.xMin + (mGrid.xMax - mGrid.xMin) * i / 2;
    const double vy = mGrid.yMin + (mGrid.yMax - mGrid.yMin) * i / 2;
    const QPointF bx = toWidget(vx, mGrid.yMin), ly = toWidget(mGrid.xMin, vy);
    p.drawText(QRectF(bx.x() - 30, r.bottom() + 2, 60, fm.height()), Qt::AlignHCenter, tick(vx));
    p.drawText(QRectF(0, ly.y() - fm.height() / 2.0, r.left() - 4, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
               tick(vy));
  }
  const double marker = std::clamp(r.width() / 55.0, 5.0, 12.0);
  p.setClipRect(r);
  if (!mImage.isNull())
    for (const PlaneBorders& b : mBorders) {
      p.setPen(QPen(QColor(25, 25, 25, 230), b.width, Qt::SolidLine, Qt::RoundCap));
      for (const QLineF& l : b.lines) p.drawLine(toWidget(l.x1(), l.y1()), toWidget(l.x2(), l.y2()));
    }
  if (mData && mData->rows() > 0 && mData->features == 2) {
    const int n = mData->rows(), stride = std::max(1, (n + kMaxDrawnPoints - 1) / kMaxDrawnPoints);
    for (int i = 0; i < n; i += stride) {
      const QPointF at = toWidget(mData->x[std::size_t(i) * 2], mData->x[std::size_t(i) * 2 + 1]);
      if (!mData->labels.empty()) {
        drawClassMarker(p, at, mData->labels[std::size_t(i)], marker);
      } else {
        p.setBrush(valueColor(mData->targets[std::size_t(i)], mLo, mHi));
        p.setPen(QPen(QColor(30, 30, 30), 0.8));
        p.drawEllipse(at, marker / 2.5, marker / 2.5);
      }
    }
  }
  for (const PlanePoint& u : mUser) {  // the user's points: larger, with a ring
    const QPointF at = toWidget(u.x, u.y);
    drawClassMarker(p, at, u.cls, marker * 1.4);
    p.setPen(QPen(Qt::black, 1.5, Qt::DotLine));
    p.drawEllipse(at, marker * 1.3, marker * 1.3);
  }
  p.setClipping(false);
  p.setPen(QPen(mFrame.isValid() ? mFrame : QColor(120, 120, 120), mFrame.isValid() ? 4 : 1));
  p.setBrush(Qt::NoBrush);
  p.drawRect(r);
}

void PlaneView::mousePressEvent(QMouseEvent* event) {
  if (!mAdding || !plotRect().contains(event->position())) return QWidget::mousePressEvent(event);
  const QPointF at = toPlane(event->position());
  Q_EMIT clicked(at.x(), at.y());
}

}  // namespace moe::ui
