#pragma once
#include <QGroupBox>

#include "core/train/config.h"

class QComboBox;
class QSpinBox;

namespace moe::ui {

/**
 * The setup panel's settings of the hierarchical mixture of experts (--model hme): depth and
 * branching of the gating tree, the fit (backpropagation or EM) and the mixture loss (compete
 * or cooperate, Jacobs et al. 1991). Enabled only for that model.
 */
class HmeOptionsBox : public QGroupBox {
  Q_OBJECT

 public:
  explicit HmeOptionsBox(QWidget* parent = nullptr);

  /** Shows the values of `config`. */
  void setConfig(const core::TrainConfig& config);
  /** Writes the shown values into `config`. */
  void apply(core::TrainConfig& config) const;
  /** Enables the box for the hme model (linear experts: EM is offered only then). */
  void updateEnabled(bool hme, bool linearExperts);

 Q_SIGNALS:
  /** The user changed a value. */
  void changed();

 private:
  QSpinBox* mDepth;
  QSpinBox* mBranching;
  QComboBox* mFit;
  QComboBox* mLoss;
};

}  // namespace moe::ui
