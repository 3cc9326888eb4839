#include "ui/mixturelineview.h"

#include <algorithm>

#include <QPainter>
#include <QPainterPath>

#include "core/data/dataset.h"
#include "ui/palette.h"
#include "ui/textfit.h"

namespace moe::ui {

MixtureLineView::MixtureLineView(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void MixtureLineView::setProbe(const core::PlaneProbe& probe) {
  mProbe = probe;
  update();
}

void MixtureLineView::setPoints(const core::Dataset* data) {
  mData = data;
  if (data && !data->targets.empty()) {
    const auto [lo, hi] = std::minmax_element(data->targets.begin(), data->targets.end());
    const float pad = 0.1f * std::max(0.1f, *hi - *lo);
    mLo = *lo - pad;
    mHi = *hi + pad;
  }
  update();
}

void MixtureLineView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const QFontMetrics fm(font());
  const double left = fm.horizontalAdvance(QStringLiteral("-0.00")) + 14, right = width() - 16;
  const double top = fm.height() * 1.8, gateH = std::max(60.0, height() * 0.24);
  const QRectF curves(left, top, right - left, height() - top - gateH - fm.height() * 3.2);
  const QRectF gates(left, curves.bottom() + fm.height() * 1.6, right - left, gateH);
  const core::PlaneGrid& g = mProbe.grid;
  const auto X = [&](double x) { return curves.left() + (x - g.xMin) / (g.xMax - g.xMin) * curves.width(); };
  const auto Y = [&](double v) { return curves.bottom() - (v - mLo) / (mHi - mLo) * curves.height(); };

  QFont bold = scaledFont(font(), 1.25);
  bold.setBold(true);
  p.setFont(bold);
  p.drawText(QRectF(0, 0, width(), top - 4), Qt::AlignHCenter | Qt::AlignBottom,
             tr("Each expert's line, and the mixture's curve (black)"));
  p.drawText(QRectF(0, curves.bottom() + 2, width(), fm.height() * 1.5), Qt::AlignHCenter | Qt::AlignBottom,
             tr("Gate weights along x"));
  p.setFont(font());
  p.setPen(QColor(120, 120, 120));
  p.drawRect(curves);
  p.drawRect(gates);
  for (int i = 0; i <= 4; ++i) {  // axis labels
    const double x = g.xMin + (g.xMax - g.xMin) * i / 4, v = mLo + (mHi - mLo) * i / 4;
    p.drawText(QRectF(X(x) - 30, gates.bottom() + 2, 60, fm.height()), Qt::AlignHCenter, QString::number(x, 'g', 2));
    p.drawText(QRectF(0, Y(v) - fm.height() / 2.0, left - 6, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
               QString::number(v, 'f', 2));
  }
  p.setClipRect(curves);
  if (mData && mData->features == 1) {
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(150, 150, 150, 150));
    const int n = mData->rows(), stride = std::max(1, n / 1500);
    for (int i = 0; i < n; i += stride)
      p.drawEllipse(QPointF(X(mData->x[std::size_t(i)]), Y(mData->targets[std::size_t(i)])), 3.0, 3.0);
  }
  const int W = g.width, E = mProbe.experts;
  if (W < 2 || mProbe.prediction.size() < std::size_t(W)) return;
  const double thick = std::max(2.5, width() / 400.0);
  if (!mProbe.expertPrediction.empty()) {
    for (int e = 0; e < E; ++e) {
      const float* v = mProbe.expertPrediction.data() + std::size_t(e) * W;
      // Solid where the gate sends x to this expert, faint dashes where it does not.
      for (int c = 0; c + 1 < W; ++c) {
        const bool chosen = mProbe.firstExpert[std::size_t(c)] == e;
        QColor col = categoryColor(e);
        if (!chosen) col.setAlpha(110);
        p.setPen(QPen(col, chosen ? thick : thick * 0.5, chosen ? Qt::SolidLine : Qt::DashLine));
        p.drawLine(QPointF(X(g.x(c)), Y(v[c])), QPointF(X(g.x(c + 1)), Y(v[c + 1])));
      }
    }
  }
  QPainterPath mixture;
  for (int c = 0; c < W; ++c) {
    const QPointF at(X(g.x(c)), Y(mProbe.prediction[std::size_t(c)]));
    c == 0 ? mixture.moveTo(at) : mixture.lineTo(at);
  }
  p.setPen(QPen(Qt::black, thick * 1.4));
  p.setBrush(Qt::NoBrush);
  p.drawPath(mixture);
  p.setClipping(false);
  if (mProbe.gate.empty()) return;
  // Stacked gate probabilities, expert 1 at the bottom.
  std::vector<double> below(static_cast<std::size_t>(W), 0.0);
  for (int e = 0; e < E; ++e) {
    QPolygonF band;
    for (int c = 0; c < W; ++c)
      band << QPointF(X(g.x(c)), gates.bottom() - (below[std::size_t(c)] + mProbe.gate[std::size_t(c) * E + e]) * gates.height());
    for (int c = W - 1; c >= 0; --c)
      band << QPointF(X(g.x(c)), gates.bottom() - below[std::size_t(c)] * gates.height());
    p.setPen(Qt::NoPen);
    p.setBrush(categoryColor(e));
    p.drawPolygon(band);
    for (int c = 0; c < W; ++c) below[std::size_t(c)] += mProbe.gate[std::size_t(c) * E + e];
  }
  // Legend in the gate strip's corner.
  double lx = gates.left() + 8;
  for (int e = 0; e < E; ++e) {
    const QString name = tr("Expert %1").arg(e);
    p.fillRect(QRectF(lx, top + 6, 14, 14), categoryColor(e));
    p.setPen(Qt::black);
    p.drawText(QPointF(lx + 18, top + 6 + fm.ascent()), name);
    lx += 30 + fm.horizontalAdvance(name);
  }
}

}  // namespace moe::ui
