#include "ui/memoryestimatelabel.h"

namespace moe::ui {

MemoryEstimateLabel::MemoryEstimateLabel(QWidget* parent) : QLabel(parent) {
  setObjectName(QStringLiteral("memoryEstimate"));
  setWordWrap(true);
  setText(tr("Memory: estimated once a dataset is loaded"));
}

void MemoryEstimateLabel::setData(const core::DataShape& shape, const std::string& dataset) {
  mShape = shape;
  mDataset = dataset;
}

void MemoryEstimateLabel::showEstimate(const core::TrainConfig& config) {
  mTooLarge = false;
  if (!mShape || config.dataset != mDataset) {
    setStyleSheet(QString());
    setText(tr("Memory: estimated once the dataset is loaded (Apply)"));
    setToolTip(QString());
    return;
  }
  const core::MemoryEstimate e = core::estimateMemory(config, *mShape);
  std::optional<double> available;
  try {
    available = core::availableMemoryBytes();
  } catch (const core::ConfigError&) {
    available.reset();  // a malformed override: show the estimate alone
  }
  QString text = tr("Memory: about %1").arg(QString::fromStdString(core::formatBytes(e.total())));
  if (available) {
    text += tr(" (%1 available)").arg(QString::fromStdString(core::formatBytes(*available)));
    mTooLarge = e.toAllocate() > *available;
  }
  if (mTooLarge) text += tr(": too much, Apply will refuse these settings");
  setText(text);
  setStyleSheet(mTooLarge ? QStringLiteral("color: #c0392b; font-weight: bold") : QString());
  setToolTip(QString::fromStdString(e.describe()));
}

}  // namespace moe::ui
