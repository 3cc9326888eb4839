#include "ui/imageview.h"

#include <QPainter>

namespace moe::ui {

ImageView::ImageView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(160, 160);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageView::setImage(const QImage& image) {
  mImage = image;
  mOverlay = {};
  update();
}

void ImageView::setOverlay(const QImage& overlay) {
  mOverlay = overlay;
  update();
}

void ImageView::setOverlayVisible(bool visible) {
  mOverlayVisible = visible;
  update();
}

void ImageView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().window());
  if (mImage.isNull()) {
    p.drawText(rect(), Qt::AlignCenter, tr("No input selected"));
    return;
  }
  const QSize fitted = mImage.size().scaled(size() - QSize(8, 8), Qt::KeepAspectRatio);
  const QRect target(QPoint((width() - fitted.width()) / 2, (height() - fitted.height()) / 2), fitted);
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);  // show the real pixels
  p.drawImage(target, mImage);
  if (mOverlayVisible && !mOverlay.isNull()) p.drawImage(target, mOverlay);
  p.setPen(QPen(palette().mid().color(), 1));
  p.drawRect(target.adjusted(0, 0, -1, -1));
}

}  // namespace moe::ui
