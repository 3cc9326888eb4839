#pragma once
#include <QString>
#include <QStringList>

#include "core/data/dataset.h"

namespace moe::ui {

/**
 * Readable names for a dataset's rows of the class x expert heatmap: class names for images,
 * "en · English" for the fortunes languages, genre names for ratings (whose counts are
 * genre x expert).
 */
QStringList heatmapRowNames(const core::Dataset& data);
/** The cells of a grid x grid offset grid, row-major ("top left", ..., "bottom right" for 3). */
QStringList offsetNames(int grid);

/** One class's name (a language's code and name for fortunes), or its number. */
QString classLabel(const core::Dataset& data, int cls);

/** Short text for a dataset spec in menus and messages ("MovieLens (folder)"). */
QString datasetLabel(const QString& spec);

}  // namespace moe::ui
