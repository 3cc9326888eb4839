#pragma once
/** @file One square picture of the input plane: an image over the grid's extent (the gate's
 *  regions, a prediction), a title, axes, the training points on top and the points the user
 *  is adding; a click in adding mode reports the plane coordinates. */
#include <QImage>
#include <QLineF>
#include <QWidget>
#include <vector>

#include "core/train/plane_probe.h"

namespace moe::core {
struct Dataset;
}

namespace moe::ui {

/** A point the user placed: plane coordinates and class (-1 for a regression value point). */
struct PlanePoint {
  double x = 0, y = 0;
  int cls = 0;
};

/** Region borders drawn over the picture: segments in plane coordinates and a pen width. */
struct PlaneBorders {
  std::vector<QLineF> lines;
  double width = 1.0;
};

class PlaneView : public QWidget {
  Q_OBJECT

 public:
  explicit PlaneView(const QString& title, QWidget* parent = nullptr);

  /** The picture over `grid`'s extent; `exact`: scaled without smoothing (region borders). */
  void setImage(const QImage& image, const core::PlaneGrid& grid, bool exact);
  void setTitle(const QString& title);
  const QString& title() const { return mTitle; }
  /** Colour of the frame (an expert's colour for its own surface; none: grey). */
  void setFrameColor(const QColor& color) { mFrame = color; update(); }
  /** Training points drawn on top (at most `limit`, spread evenly); nullptr: none. For
   *  regression sets the points are coloured by target over [lo, hi]. */
  void setPoints(const core::Dataset* data, float lo = -1.0f, float hi = 1.0f);
  void setUserPoints(const std::vector<PlanePoint>& points) { mUser = points; update(); }
  /** Borders over the picture, under the points (the hme's regions of each level); {}: none. */
  void setBorders(std::vector<PlaneBorders> borders) { mBorders = std::move(borders); update(); }
  const std::vector<PlaneBorders>& borders() const { return mBorders; }
  /** Whether a click adds a point (clicked is emitted) instead of doing nothing. */
  void setAdding(bool on);

  const QImage& image() const { return mImage; }
  /** Where the plane is drawn, in widget pixels. */
  QRectF plotRect() const;
  /** Widget position of plane point (x, y), and back. */
  QPointF toWidget(double x, double y) const;
  QPointF toPlane(QPointF widget) const;
  QSize sizeHint() const override { return {520, 560}; }
  QSize minimumSizeHint() const override { return {200, 220}; }

 Q_SIGNALS:
  void clicked(double x, double y);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  QFont titleFont() const;
  /** The title's height, wrapped to the view's width. */
  double titleHeight() const;

  QString mTitle;
  QImage mImage;
  core::PlaneGrid mGrid;
  bool mExact = true;
  QColor mFrame;
  const core::Dataset* mData = nullptr;
  float mLo = -1.0f, mHi = 1.0f;
  std::vector<PlanePoint> mUser;
  std::vector<PlaneBorders> mBorders;
  bool mAdding = false;
};

}  // namespace moe::ui
