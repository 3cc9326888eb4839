#include "ui/sampleimage.h"

#include <algorithm>
#include <cmath>

namespace moe::ui {

namespace {
int toByte(float v) { return std::clamp(int(std::lround(v * 255.0f)), 0, 255); }
}  // namespace

QImage sampleImage(const core::Dataset& data, int row) {
  if (!data.isImage() || row < 0 || row >= data.rows() || data.kind != core::DataKind::Dense)
    return {};
  const int w = data.imageWidth;
  const int h = data.imageHeight;
  const int ch = std::max(1, data.imageChannels);
  const std::size_t plane = std::size_t(w) * std::size_t(h);
  if (std::size_t(data.features) < plane * std::size_t(ch)) return {};
  const float* px = data.x.data() + std::size_t(row) * std::size_t(data.features);
  if (ch == 1) {
    QImage img(w, h, QImage::Format_Grayscale8);
    for (int y = 0; y < h; ++y) {
      uchar* line = img.scanLine(y);
      for (int x = 0; x < w; ++x) line[x] = uchar(toByte(px[std::size_t(y * w + x)]));
    }
    return img;
  }
  QImage img(w, h, QImage::Format_RGB32);
  for (int y = 0; y < h; ++y) {
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
    for (int x = 0; x < w; ++x) {
      const std::size_t i = std::size_t(y * w + x);
      line[x] = qRgb(toByte(px[i]), toByte(px[plane + i]), toByte(px[2 * plane + i]));
    }
  }
  return img;
}

QImage saliencyOverlay(const std::vector<float>& saliency, int width, int height, int channels) {
  const std::size_t plane = std::size_t(width) * std::size_t(height);
  channels = std::max(1, channels);
  if (plane == 0 || saliency.size() < plane * std::size_t(channels)) return {};
  std::vector<float> mag(plane, 0.0f);
  for (int c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < plane; ++i)
      mag[i] = std::max(mag[i], std::abs(saliency[std::size_t(c) * plane + i]));
  const float top = *std::max_element(mag.begin(), mag.end());
  QImage img(width, height, QImage::Format_ARGB32);
  for (int y = 0; y < height; ++y) {
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
    for (int x = 0; x < width; ++x) {
      const float v = top > 0 ? mag[std::size_t(y * width + x)] / top : 0.0f;
      // Only the strongest pixels show (red to yellow); the rest leaves the image visible.
      const float t = std::clamp((v - 0.35f) / 0.65f, 0.0f, 1.0f);
      line[x] = qRgba(255, toByte(t), 0, toByte(std::sqrt(t) * 0.8f));
    }
  }
  return img;
}

}  // namespace moe::ui
