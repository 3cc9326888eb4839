#pragma once
/** @file A documentation figure of a model's MoE layers: each layer's heatmaps side by side. */
#include <QImage>

namespace moe::ui {

class MainWindow;

/**
 * The training panel's heatmap for every MoE layer of the window's model (one row per layer,
 * top to bottom), by offset cell and by class when the data has offsets (shifted images), else
 * by class alone; each drawn at `cellWidth` x `cellHeight` in the projector sizes. Switches the
 * window's layer selector and heatmap rows on the way and puts them back to layer 1, classes.
 */
QImage layerHeatmaps(MainWindow* window, int cellWidth = 760, int cellHeight = 560);

}  // namespace moe::ui
