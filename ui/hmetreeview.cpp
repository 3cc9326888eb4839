#include "ui/hmetreeview.h"

#include <algorithm>
#include <cmath>

#include <QPainter>
#include <QPainterPath>

#include "ui/palette.h"

namespace moe::ui {

namespace {

constexpr double kMargin = 24.0;
constexpr double kTitleHeight = 64.0;

int power(int base, int exp) {
  int v = 1;
  for (int i = 0; i < exp; ++i) v *= base;
  return v;
}

}  // namespace

HmeTreeView::HmeTreeView(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("hmeTreeView"));
  setAutoFillBackground(true);
  QPalette p = palette();
  p.setColor(QPalette::Window, Qt::white);
  setPalette(p);
}

int HmeTreeView::nodes() const {
  int n = 0;
  for (int l = 0; l <= mDepth; ++l) n += power(mBranching, l);
  return mDepth > 0 ? n : 0;
}

void HmeTreeView::setTree(int depth, int branching) {
  mDepth = std::max(0, depth);
  mBranching = std::max(2, branching);
  mShares.clear();
  mCaption.clear();
  update();
}

void HmeTreeView::setShares(const std::vector<float>& shares, const QString& caption) {
  if (int(shares.size()) != nodes()) return;  // another tree's numbers: keep what is shown
  mShares = shares;
  mCaption = caption;
  update();
}

void HmeTreeView::setPlaceholder(const QString& text) {
  mPlaceholder = text;
  update();
}

int HmeTreeView::levelOf(int node) const {
  int l = 0;
  while (node > 0) {
    node = (node - 1) / mBranching;
    ++l;
  }
  return l;
}

int HmeTreeView::indexInLevel(int node) const {
  int first = 0;
  for (int l = 0; l < levelOf(node); ++l) first += power(mBranching, l);
  return node - first;
}

QRectF HmeTreeView::nodeBox(int node) const {
  const int level = levelOf(node), count = power(mBranching, level);
  const double w = width() - 2 * kMargin, h = height() - kTitleHeight - kMargin;
  const double rowH = h / (mDepth + 1);
  const double slot = w / count;
  const double boxW = std::min(slot * 0.86, 190.0);
  const double boxH = std::min(rowH * 0.62, 78.0);
  const double cx = kMargin + slot * (indexInLevel(node) + 0.5);
  const double cy = kTitleHeight + rowH * (level + 0.5);
  return {cx - boxW / 2, cy - boxH / 2, boxW, boxH};
}

void HmeTreeView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  QFont title = font();
  title.setPointSizeF(std::max(16.0, title.pointSizeF() + 6));
  title.setBold(true);
  if (mDepth == 0) {
    p.setFont(title);
    p.setPen(QColor(90, 90, 90));
    p.drawText(rect().adjusted(40, 40, -40, -40), Qt::AlignCenter | Qt::TextWordWrap, mPlaceholder);
    return;
  }
  p.setFont(title);
  p.setPen(Qt::black);
  p.drawText(QRectF(kMargin, 6, width() - 2 * kMargin, 30), Qt::AlignLeft | Qt::AlignVCenter,
             tr("Gating tree: each node's share of the data"));
  QFont small = font();
  small.setPointSizeF(std::max(13.0, small.pointSizeF() + 2));
  p.setFont(small);
  p.setPen(QColor(80, 80, 80));
  p.drawText(QRectF(kMargin, 34, width() - 2 * kMargin, 24), Qt::AlignLeft | Qt::AlignVCenter,
             mCaption.isEmpty() ? tr("no step trained yet") : mCaption);
  const int n = nodes(), internal = n - power(mBranching, mDepth);
  const bool have = int(mShares.size()) == n;
  auto share = [&](int node) { return have ? double(mShares[std::size_t(node)]) : 0.0; };
  // Edges first, as thick as the share that flows down them.
  for (int node = 1; node < n; ++node) {
    const int parent = (node - 1) / mBranching;
    const QRectF a = nodeBox(parent), b = nodeBox(node);
    QPen pen(QColor(120, 120, 120), 1.5 + 16.0 * share(node));
    pen.setCapStyle(Qt::RoundCap);
    p.setPen(pen);
    QPainterPath path(QPointF(a.center().x(), a.bottom()));
    const double midY = (a.bottom() + b.top()) / 2;
    path.cubicTo(a.center().x(), midY, b.center().x(), midY, b.center().x(), b.top());
    p.drawPath(path);
  }
  const double leafWidth = nodeBox(n - 1).width();
  QFont label = font();
  label.setPointSizeF(std::clamp(leafWidth / 7.0, 10.0, 18.0));
  label.setBold(true);
  for (int node = 0; node < n; ++node) {
    const QRectF r = nodeBox(node);
    const bool leaf = node >= internal;
    const QColor colour = leaf ? categoryColor(node - internal) : QColor(70, 90, 120);
    p.setPen(QPen(colour.darker(130), 2));
    p.setBrush(Qt::white);
    p.drawRoundedRect(r, 8, 8);
    // The share as a bar filling the box from the left.
    QRectF bar = r.adjusted(2, 2, -2, -2);
    bar.setWidth(bar.width() * std::clamp(share(node), 0.0, 1.0));
    QColor fill = colour;
    fill.setAlpha(leaf ? 170 : 110);
    p.setPen(Qt::NoPen);
    p.setBrush(fill);
    p.drawRoundedRect(bar, 6, 6);
    p.setPen(Qt::black);
    p.setFont(label);
    const QString name = leaf ? tr("expert %1").arg(node - internal)
                              : node == 0 ? tr("root gate") : tr("gate %1").arg(node);
    const QString value = have ? QStringLiteral("%1%").arg(100.0 * share(node), 0, 'f', 0)
                               : QStringLiteral("–");
    if (r.width() < 70)
      p.drawText(r, Qt::AlignCenter, value);
    else
      p.drawText(r, Qt::AlignCenter, name + QLatin1Char('\n') + value);
  }
}

}  // namespace moe::ui
