#include "ui/palette.h"

#include <array>

namespace moe::ui {

QColor categoryColor(int index) {
  static const std::array<QRgb, 10> kTableau = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                                0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
  if (index >= 0 && index < int(kTableau.size())) return QColor(kTableau[std::size_t(index)]);
  // Golden-angle hues keep neighbours apart for any count.
  return QColor::fromHsv(int(index * 137.508) % 360, 150, 210);
}

QColor sharedExpertColor() { return QColor(84, 110, 122); }

}  // namespace moe::ui
