#pragma once
#include <optional>

#include <QLabel>

#include "core/train/memory_budget.h"

namespace moe::ui {

/**
 * The setup panel's memory line: what the settings shown would allocate (parameters,
 * gradients and optimizer state, activations, data) against the memory available, before
 * Apply; red when Apply would be refused (core::checkMemoryBudget).
 */
class MemoryEstimateLabel : public QLabel {
  Q_OBJECT

 public:
  explicit MemoryEstimateLabel(QWidget* parent = nullptr);
  /** The loaded data's shape and the dataset spec it was loaded for. */
  void setData(const core::DataShape& shape, const std::string& dataset);
  /** Shows the estimate for config (the data's shape only when config names that dataset). */
  void showEstimate(const core::TrainConfig& config);
  /** True when the last estimate exceeds the memory available. */
  bool tooLarge() const { return mTooLarge; }

 private:
  std::optional<core::DataShape> mShape;
  std::string mDataset;
  bool mTooLarge = false;
};

}  // namespace moe::ui
