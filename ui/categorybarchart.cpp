#include "ui/categorybarchart.h"

#include <algorithm>

namespace moe::ui {

CategoryBarChart::CategoryBarChart(const QString& title, const QString& valueLabel, QWidget* parent)
    : PlotView(title, parent) {
  setInteractions({});
  yAxis->setLabel(valueLabel);
  yAxis->setRange(0, 1.05);
  xAxis->grid()->setVisible(false);
}

void CategoryBarChart::setBars(const QStringList& labels, const std::vector<double>& values,
                               const std::vector<QColor>& colors, int marked) {
  for (QCPBars* b : mBars) removePlottable(b);
  for (QCPItemText* t : mTexts) removeItem(t);
  mBars.clear();
  mTexts.clear();
  mValues = values;
  mLabels = labels;
  const int n = int(std::min<std::size_t>(std::size_t(labels.size()), values.size()));
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  for (int i = 0; i < n; ++i) {
    auto* bars = new QCPBars(xAxis, yAxis);
    const QColor c = i < int(colors.size()) ? colors[std::size_t(i)] : QColor(78, 121, 167);
    bars->setBrush(c);
    bars->setPen(i == marked ? QPen(QColor(20, 20, 20), 3) : QPen(c.darker(130)));
    bars->setWidth(0.7);
    bars->addData(i, values[std::size_t(i)]);
    mBars.push_back(bars);
    auto* text = new QCPItemText(this);
    text->setPositionAlignment(Qt::AlignBottom | Qt::AlignHCenter);
    text->position->setCoords(i, values[std::size_t(i)] + 0.01);
    const double v = values[std::size_t(i)];
    text->setText(v >= 0.005 ? QString::number(v * 100, 'f', v < 0.1 ? 1 : 0) + QLatin1Char('%') : QString());
    text->setFont(xAxis->tickLabelFont());
    mTexts.push_back(text);
    ticker->addTick(i, labels[i]);
  }
  xAxis->setTicker(ticker);
  xAxis->setTickLabelRotation(n > 8 ? 35 : 0);
  xAxis->setRange(-0.6, std::max(1, n) - 0.4);
  const double top = values.empty() ? 1.0 : *std::max_element(values.begin(), values.end());
  yAxis->setRange(0, std::min(1.2, std::max(0.1, top * 1.2)));
  refresh();
}

}  // namespace moe::ui
