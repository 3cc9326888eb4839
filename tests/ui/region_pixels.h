#pragma once
// Reading the playground's region images back in tests: which expert tinted a pixel.

#include <QColor>
#include <QRgb>
#include <cmath>

#include "ui/playgroundimages.h"

namespace moe::testing {

/** The expert whose region tint (at any gate strength) is nearest to the pixel. */
inline int expertOfPixel(QRgb px, int experts) {
  int best = -1;
  double bestD = 1e30;
  for (int e = 0; e < experts; ++e)
    for (int g = 0; g <= 20; ++g) {
      const QColor c = ui::regionColor(e, float(g) / 20);
      const double d = std::pow(c.red() - qRed(px), 2) + std::pow(c.green() - qGreen(px), 2) +
                       std::pow(c.blue() - qBlue(px), 2);
      if (d < bestD) bestD = d, best = e;
    }
  return best;
}

}  // namespace moe::testing
