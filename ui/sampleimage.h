#pragma once
#include <vector>

#include <QImage>

#include "core/data/dataset.h"

namespace moe::ui {

/** One sample of an image dataset as a QImage (grey or RGB); a null image otherwise. */
QImage sampleImage(const core::Dataset& data, int row);

/** A heat overlay (transparent to red to yellow) of |saliency|, max over channels, scaled
 *  to its own maximum. Returns a null image when sizes do not match. */
QImage saliencyOverlay(const std::vector<float>& saliency, int width, int height, int channels);

}  // namespace moe::ui
