#pragma once
#include <QString>

#include "core/train/config.h"
#include "ui/metrichistory.h"

namespace moe::ui {

/** Writes a session sidecar (settings and metric history as JSON) atomically. */
bool writeSessionFile(const QString& path, const core::TrainConfig& config,
                      const MetricHistory& history, QString* error);
/** Reads what writeSessionFile wrote. */
bool readSessionFile(const QString& path, core::TrainConfig* config, MetricHistory* history,
                     QString* error);
/** One row per training step; test loss and accuracy filled on the steps that evaluated. */
bool exportMetricsCsv(const QString& path, const MetricHistory& history, QString* error);

}  // namespace moe::ui
