#pragma once
/** @file The 1-D regression playground: the training points, each expert's line (solid where the
 *  gate picks it, faint elsewhere), the mixture's curve on top, and below it the gate's weight
 *  of every expert along x (stacked), so a mixture of linear experts reads as a piecewise model. */
#include <QWidget>

#include "core/train/plane_probe.h"

namespace moe::core {
struct Dataset;
}

namespace moe::ui {

class MixtureLineView : public QWidget {
  Q_OBJECT

 public:
  explicit MixtureLineView(QWidget* parent = nullptr);

  /** The probe of a 1-D grid (height 1). */
  void setProbe(const core::PlaneProbe& probe);
  /** The training points (1 feature, targets); also fix the value axis. */
  void setPoints(const core::Dataset* data);
  const core::PlaneProbe& probe() const { return mProbe; }
  /** The value axis' range (from the points, padded). */
  std::pair<float, float> valueRange() const { return {mLo, mHi}; }
  QSize sizeHint() const override { return {900, 700}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  core::PlaneProbe mProbe;
  const core::Dataset* mData = nullptr;
  float mLo = -1.0f, mHi = 1.0f;
};

}  // namespace moe::ui
