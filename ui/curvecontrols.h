#pragma once
#include <QWidget>

class QCheckBox;
class QLabel;
class QSlider;

namespace moe::ui {

/**
 * The bar over the training plots that TensorBoard users look for: a smoothing slider
 * (0 = raw .. 0.99, an exponential moving average; the raw curve stays faint behind) and a
 * log-scale toggle for the curves' value axes.
 */
class CurveControls : public QWidget {
  Q_OBJECT

 public:
  explicit CurveControls(QWidget* parent = nullptr);

  /** The smoothing the slider shows, 0..0.99. */
  double smoothing() const;
  void setSmoothing(double s);
  bool logScale() const;
  void setLogScale(bool on);
  QSlider* smoothingSlider() const { return mSlider; }
  QCheckBox* logScaleBox() const { return mLog; }
  /** The smoothing the curves start with (TensorBoard's default is 0.6; per-batch curves of
   *  a small model need more to show the trend). */
  static constexpr double kDefaultSmoothing = 0.95;

 Q_SIGNALS:
  void smoothingChanged(double s);
  void logScaleChanged(bool on);

 private:
  QSlider* mSlider;
  QLabel* mValue;
  QCheckBox* mLog;
};

}  // namespace moe::ui
