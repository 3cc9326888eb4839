#include "ui/gatebarchart.h"

#include <algorithm>

namespace moe::ui {

GateBarChart::GateBarChart(QWidget* parent) : PlotView(tr("Gate probabilities"), parent) {
  setInteractions({});
  xAxis->setLabel(tr("expert"));
  yAxis->setLabel(tr("probability"));
  mOther = new QCPBars(xAxis, yAxis);
  mOther->setName(tr("not chosen"));
  mOther->setPen(QPen(QColor(120, 120, 120)));
  mOther->setBrush(QColor(190, 190, 190));
  mChosen = new QCPBars(xAxis, yAxis);
  mChosen->setName(tr("chosen"));
  mChosen->setPen(QPen(QColor(30, 80, 140)));
  mChosen->setBrush(QColor(78, 121, 167));
  for (QCPBars* b : {mOther, mChosen}) b->setWidth(0.7);
  mDropped = new QCPItemText(this);
  mDropped->setPositionAlignment(Qt::AlignTop | Qt::AlignRight);
  mDropped->position->setType(QCPItemPosition::ptAxisRectRatio);
  mDropped->position->setCoords(0.98, 0.02);
  mDropped->setColor(QColor(200, 30, 30));
  QFont f = xAxis->labelFont();
  f.setBold(true);
  mDropped->setFont(f);
  mDropped->setVisible(false);
  legend->setVisible(true);
  axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
  yAxis->setRange(0, 1.05);
}

void GateBarChart::setGate(const std::vector<float>& probs,
                           const std::vector<std::int32_t>& chosen,
                           const std::vector<float>& chosenGates, bool dropped) {
  const int n = int(probs.size());
  QVector<double> keys;
  QVector<double> other;
  QVector<double> picked;
  mValues.assign(probs.begin(), probs.end());
  for (int e = 0; e < n; ++e) {
    keys.push_back(e);
    const bool isChosen = std::find(chosen.begin(), chosen.end(), e) != chosen.end();
    other.push_back(isChosen ? 0.0 : probs[std::size_t(e)]);
    picked.push_back(isChosen ? probs[std::size_t(e)] : 0.0);
  }
  mOther->setData(keys, other, true);
  mChosen->setData(keys, picked, true);
  for (QCPItemText* t : mLabels) removeItem(t);
  mLabels.clear();
  for (std::size_t r = 0; r < chosen.size(); ++r) {
    const int e = chosen[r];
    if (e < 0 || e >= n) continue;
    auto* t = new QCPItemText(this);
    t->setPositionAlignment(Qt::AlignBottom | Qt::AlignHCenter);
    t->position->setCoords(e, probs[std::size_t(e)] + 0.01);
    const float w = r < chosenGates.size() ? chosenGates[r] : 0.0f;
    t->setText(tr("#%1\nw=%2").arg(r + 1).arg(double(w), 0, 'f', 2));
    t->setFont(xAxis->tickLabelFont());
    mLabels.push_back(t);
  }
  mDropped->setText(tr("dropped: an expert it wanted was full"));
  mDropped->setVisible(dropped);
  QSharedPointer<QCPAxisTickerText> xt(new QCPAxisTickerText);
  for (int e = 0; e < n; ++e) xt->addTick(e, QStringLiteral("E%1").arg(e));
  xAxis->setTicker(xt);
  xAxis->setRange(-0.6, n - 0.4);
  const double top = probs.empty() ? 1.0 : *std::max_element(probs.begin(), probs.end());
  yAxis->setRange(0, std::min(1.3, top * 1.25 + 0.1));
  refresh();
}

void GateBarChart::clearGate() { setGate({}, {}, {}, false); }

std::vector<double> GateBarChart::values() const { return mValues; }

}  // namespace moe::ui
