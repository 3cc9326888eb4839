#include "ui/playgroundimages.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <QPainterPath>

#include "ui/palette.h"

namespace moe::ui {

namespace {

QColor mix(const QColor& a, const QColor& b, double t) {
  return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                          float(a.greenF() + (b.greenF() - a.greenF()) * t),
                          float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

QImage blankImage(const core::PlaneGrid& g) {
  QImage img(g.width, g.height, QImage::Format_RGB32);
  img.fill(Qt::white);
  return img;
}

// One cell's colour of predictions `p` (outputs values).
QRgb predictionPixel(const float* p, int outputs, bool regression, float lo, float hi) {
  if (regression) return valueColor(p[0], lo, hi).rgb();
  double r = 0, g = 0, b = 0, best = 0;
  for (int c = 0; c < outputs; ++c) {
    const QColor col = playgroundClassColor(c);
    r += p[c] * col.redF();
    g += p[c] * col.greenF();
    b += p[c] * col.blueF();
    best = std::max(best, double(p[c]));
  }
  // Certainty = how far the top class is above a uniform guess: unsure cells fade to white.
  const double certainty = outputs > 1 ? (best - 1.0 / outputs) / (1.0 - 1.0 / outputs) : 1.0;
  return mix(Qt::white, QColor::fromRgbF(float(r), float(g), float(b)), 0.25 + 0.55 * certainty).rgb();
}

}  // namespace

QColor playgroundClassColor(int cls) {
  static const std::array<QRgb, 10> kClasses = {0xd9480f, 0x1864ab, 0x2b8a3e, 0x862e9c, 0xc92a2a,
                                                0x0b7285, 0x5c940d, 0xa61e4d, 0x364fc7, 0xe67700};
  return QColor(kClasses[std::size_t(std::max(0, cls)) % kClasses.size()]);
}

QColor regionColor(int expert, float gate) {
  if (expert < 0) return QColor(225, 225, 225);
  return mix(Qt::white, categoryColor(expert), 0.45 + 0.4 * std::clamp(double(gate), 0.0, 1.0));
}

QImage levelImage(const core::PlaneProbe& probe, int level) {
  QImage img = blankImage(probe.grid);
  const int w = probe.grid.width, per = probe.leavesPerNode(level);
  for (int cell = 0; cell < probe.grid.cells(); ++cell) {
    const int node = probe.levelNode(cell, level);
    img.setPixel(cell % w, cell / w,
                 regionColor(node < 0 ? -1 : node * per, probe.levelMass(cell, level)).rgb());
  }
  return img;
}

std::vector<QLineF> levelBorders(const core::PlaneProbe& probe, int level) {
  const core::PlaneGrid& g = probe.grid;
  const double dx = (g.xMax - g.xMin) / g.width, dy = (g.yMax - g.yMin) / g.height;
  std::vector<QLineF> out;
  for (int r = 0; r < g.height; ++r)
    for (int c = 0; c < g.width; ++c) {
      const int node = probe.levelNode(r * g.width + c, level);
      const double x0 = g.xMin + dx * c, y0 = g.yMax - dy * r;  // the cell's top left corner
      if (c + 1 < g.width && probe.levelNode(r * g.width + c + 1, level) != node)
        out.emplace_back(x0 + dx, y0, x0 + dx, y0 - dy);  // its right edge
      if (r + 1 < g.height && probe.levelNode((r + 1) * g.width + c, level) != node)
        out.emplace_back(x0, y0 - dy, x0 + dx, y0 - dy);  // its bottom edge
    }
  return out;
}

QImage regionImage(const core::PlaneProbe& probe) {
  QImage img = blankImage(probe.grid);
  const int w = probe.grid.width, E = probe.experts;
  for (int cell = 0; cell < probe.grid.cells(); ++cell) {
    const int e = probe.firstExpert[std::size_t(cell)];
    const float gate = e >= 0 && !probe.gate.empty() ? probe.gate[std::size_t(cell) * E + std::size_t(e)] : 0.0f;
    img.setPixel(cell % w, cell / w, regionColor(e, gate).rgb());
  }
  return img;
}

QImage predictionImage(const core::PlaneProbe& probe, float lo, float hi) {
  QImage img = blankImage(probe.grid);
  const int w = probe.grid.width, K = probe.outputs;
  for (int cell = 0; cell < probe.grid.cells(); ++cell)
    img.setPixel(cell % w, cell / w,
                 predictionPixel(probe.prediction.data() + std::size_t(cell) * K, K, probe.regression, lo, hi));
  return img;
}

QImage expertImage(const core::PlaneProbe& probe, int expert, float lo, float hi) {
  if (probe.expertPrediction.empty() || expert < 0 || expert >= probe.experts) return {};
  QImage img = blankImage(probe.grid);
  const int w = probe.grid.width, K = probe.outputs;
  const float* base = probe.expertPrediction.data() + std::size_t(expert) * probe.grid.cells() * K;
  for (int cell = 0; cell < probe.grid.cells(); ++cell)
    img.setPixel(cell % w, cell / w, predictionPixel(base + std::size_t(cell) * K, K, probe.regression, lo, hi));
  return img;
}

QColor valueColor(float v, float lo, float hi) {
  const double t = hi > lo ? std::clamp((double(v) - lo) / (double(hi) - lo), 0.0, 1.0) : 0.5;
  static const QColor blue(33, 102, 172), red(178, 24, 43);
  return t < 0.5 ? mix(blue, Qt::white, t * 2) : mix(Qt::white, red, (t - 0.5) * 2);
}

void drawClassMarker(QPainter& p, QPointF at, int cls, double size) {
  const double r = size / 2;
  QPainterPath path;
  switch (std::max(0, cls) % 4) {
    case 0: path.addEllipse(at, r, r); break;
    case 1: path.addRect(QRectF(at.x() - r * 0.85, at.y() - r * 0.85, r * 1.7, r * 1.7)); break;
    case 2:
      path.moveTo(at.x(), at.y() - r * 1.1);
      path.lineTo(at.x() + r, at.y() + r * 0.75);
      path.lineTo(at.x() - r, at.y() + r * 0.75);
      path.closeSubpath();
      break;
    default:
      path.moveTo(at.x(), at.y() - r * 1.15);
      path.lineTo(at.x() + r * 1.15, at.y());
      path.lineTo(at.x(), at.y() + r * 1.15);
      path.lineTo(at.x() - r * 1.15, at.y());
      path.closeSubpath();
  }
  p.setBrush(playgroundClassColor(cls));
  p.setPen(QPen(Qt::white, std::max(1.0, size / 5)));
  p.drawPath(path);
  p.setBrush(Qt::NoBrush);
  p.setPen(QPen(QColor(20, 20, 20), std::max(0.8, size / 10)));
  p.drawPath(path);
}

}  // namespace moe::ui
