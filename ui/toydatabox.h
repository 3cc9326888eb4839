#pragma once
/** @file The setup panel's toy-data settings (toy:NAME datasets): points, noise, classes. Shown
 *  only while a generated toy dataset is picked. */
#include <QGroupBox>

class QDoubleSpinBox;
class QSpinBox;

namespace moe::core {
struct TrainConfig;
}

namespace moe::ui {

class ToyDataBox : public QGroupBox {
  Q_OBJECT

 public:
  explicit ToyDataBox(QWidget* parent = nullptr);

  /** Shows the values of `config`. */
  void setConfig(const core::TrainConfig& config);
  /** Writes the shown values into `config`. */
  void apply(core::TrainConfig& config) const;
  /** Shown for generated toy specs ("toy:spirals", not "toy:csv:FILE"); classes only for blobs. */
  void showFor(const QString& spec);

  QSpinBox* sizeBox() const { return mSize; }
  QDoubleSpinBox* noiseBox() const { return mNoise; }
  QSpinBox* classesBox() const { return mClasses; }

 Q_SIGNALS:
  void changed();

 private:
  QSpinBox* mSize;
  QDoubleSpinBox* mNoise;
  QSpinBox* mClasses;
};

}  // namespace moe::ui
