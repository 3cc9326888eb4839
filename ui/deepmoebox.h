#pragma once
#include <QGroupBox>

#include "core/train/config.h"

class QLineEdit;
class QSpinBox;

namespace moe::ui {

/**
 * The setup panel's deep-moe settings: how many MoE layers, and each layer's experts, top-k
 * and router as comma-separated lists (empty: the global setting for every layer). Enabled only
 * for the deep-moe model.
 */
class DeepMoeBox : public QGroupBox {
  Q_OBJECT

 public:
  explicit DeepMoeBox(QWidget* parent = nullptr);

  /** Shows the values of `config`. */
  void setConfig(const core::TrainConfig& config);
  /** Writes the shown values into `config`. */
  void apply(core::TrainConfig& config) const;
  /** Enables the settings when `deep` (the deep-moe model is chosen). */
  void updateEnabled(bool deep);

 Q_SIGNALS:
  /** The user changed a value. */
  void changed();

 private:
  QSpinBox* mLayers;
  QLineEdit* mExperts;
  QLineEdit* mTopK;
  QLineEdit* mRouters;
};

}  // namespace moe::ui
