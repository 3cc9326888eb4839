#pragma once
#include <QImage>
#include <QWidget>

namespace moe::ui {

/** Shows a small image enlarged with crisp pixels, optionally under a translucent overlay. */
class ImageView : public QWidget {
  Q_OBJECT

 public:
  explicit ImageView(QWidget* parent = nullptr);

  void setImage(const QImage& image);
  void setOverlay(const QImage& overlay);
  void setOverlayVisible(bool visible);
  const QImage& image() const { return mImage; }
  bool hasOverlay() const { return !mOverlay.isNull(); }
  QSize sizeHint() const override { return {280, 280}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QImage mImage;
  QImage mOverlay;
  bool mOverlayVisible = true;
};

}  // namespace moe::ui
