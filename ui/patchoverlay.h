#pragma once
#include <QImage>
#include <QString>

#include "core/train/inspection.h"

namespace moe::ui {

/**
 * Patch-token models: an overlay that colours each patch of the inspected image by the expert
 * it went to first (translucent, the expert's categoryColor), writes the expert's number in
 * the patch and outlines the patch grid; a hatched grey patch was dropped (no expert). Drawn at
 * `scale` times the image's size so the numbers stay legible when the view enlarges it.
 * Returns a null image when the inspection has no patches or they do not tile the image.
 */
QImage patchRoutingOverlay(const core::Inspection& in, int width, int height, int scale = 16);

/** A legend of the experts the patches went to: a colour swatch, the expert and its patch
 *  count, most patches first (rich text for a QLabel). */
QString patchLegendHtml(const core::Inspection& in);

}  // namespace moe::ui
