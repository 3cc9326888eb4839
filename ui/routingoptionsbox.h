#pragma once
#include <QGroupBox>

#include "core/routing/router_policy.h"
#include "core/train/config.h"

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace moe::ui {

/**
 * The setup panel's routing and balancing settings beyond the router itself: score function,
 * route scale, auxiliary-loss-free balancing rate, drop policy, and the scope of the Switch
 * balancing loss. Only the settings the chosen router reads (its registry entry) are enabled.
 */
class RoutingOptionsBox : public QGroupBox {
  Q_OBJECT

 public:
  explicit RoutingOptionsBox(QWidget* parent = nullptr);

  /** Shows the values of `config`. */
  void setConfig(const core::TrainConfig& config);
  /** Writes the shown values into `config`. */
  void apply(core::TrainConfig& config) const;
  /** Enables the settings `router` reads (none when the model has no MoE layer). */
  void updateEnabled(const core::RouterInfo& router, bool moe);

 Q_SIGNALS:
  /** The user changed a value. */
  void changed();

 private:
  QComboBox* mScore;
  QDoubleSpinBox* mRouteScale;
  QDoubleSpinBox* mBiasRate;
  QComboBox* mDropPolicy;
  QComboBox* mBalanceScope;
  QSpinBox* mBalanceWindow;
  QSpinBox* mSlots;
};

}  // namespace moe::ui
