#include "ui/experimentplots.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <QComboBox>
#include <QDir>
#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

#include "core/train/history_file.h"
#include "ui/plotview.h"

namespace moe::ui {

namespace {

const QColor kMoe(0x1f, 0x5f, 0xa8), kBaseline(0xd9, 0x6b, 0x00), kFront(0x2e, 0x7d, 0x32);

double number(const core::SweepRow& row, const char* key) {
  const auto it = row.find(key);
  return it != row.end() && it->is_number() ? it->get<double>() : std::nan("");
}

/** The run id without its seed: "experts=4 top_k=2 seed=1" -> "experts=4 top_k=2". */
QString settingOf(const std::string& id) {
  QStringList parts = QString::fromStdString(id).split(QLatin1Char(' '), Qt::SkipEmptyParts);
  parts.erase(std::remove_if(parts.begin(), parts.end(),
                             [](const QString& p) { return p.startsWith(QStringLiteral("seed=")); }),
              parts.end());
  return parts.isEmpty() ? QStringLiteral("base") : parts.join(QLatin1Char(' '));
}

QColor curveColor(int i) {
  static const QColor c[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
                             QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                             QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f)};
  return c[i % 8];
}

}  // namespace

std::vector<SettingPoint> settingPoints(const std::vector<core::SweepRow>& rows) {
  std::vector<SettingPoint> points;
  std::map<QString, std::vector<double>> values;
  for (const core::SweepRow& row : rows) {
    const double acc = number(row, "test_accuracy");
    if (std::isnan(acc)) continue;
    const QString label = settingOf(row.value("run", ""));
    auto it = std::find_if(points.begin(), points.end(), [&](auto& p) { return p.label == label; });
    if (it == points.end()) {
      SettingPoint p;
      p.label = label;
      const auto b = row.find("baseline");
      if (b != row.end() && b->is_string()) p.baseline = QString::fromStdString(b->get<std::string>());
      p.flops = number(row, "inference_flops_per_sample") / 1e6;
      const auto& config = row.contains("config") ? row["config"] : core::SweepRow::object();
      p.experts = config.value("experts", 0.0);
      p.k = config.value("top_k", 0.0);
      points.push_back(p);
      it = points.end() - 1;
    }
    values[label].push_back(acc);
  }
  for (SettingPoint& p : points) {
    const auto& v = values[p.label];
    p.runs = int(v.size());
    double sum = 0.0, sq = 0.0;
    for (double x : v) sum += x;
    p.mean = sum / double(v.size());
    for (double x : v) sq += (x - p.mean) * (x - p.mean);
    p.sd = v.size() > 1 ? std::sqrt(sq / double(v.size() - 1)) : 0.0;
  }
  return points;
}

std::vector<SettingPoint> paretoFront(const std::vector<SettingPoint>& points) {
  std::vector<SettingPoint> sorted = points;
  std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) {
    return a.flops < b.flops || (a.flops == b.flops && a.mean > b.mean);
  });
  std::vector<SettingPoint> front;
  for (const SettingPoint& p : sorted)
    if (front.empty() || p.mean > front.back().mean) front.push_back(p);
  return front;
}

ExperimentPlots::ExperimentPlots(QWidget* parent) : QWidget(parent) {
  mPareto = new PlotView(tr("Accuracy against compute"), this);
  mPareto->xAxis->setLabel(tr("inference MFLOPs per sample"));
  mPareto->yAxis->setLabel(tr("test accuracy"));
  mPareto->setEmptyHint(tr("Each finished run appears here: run a sweep"));
  mExperts = new PlotView(tr("Accuracy against experts"), this);
  mExperts->xAxis->setLabel(tr("experts"));
  mExperts->yAxis->setLabel(tr("test accuracy"));
  mK = new PlotView(tr("Accuracy against k"), this);
  mK->xAxis->setLabel(tr("k (experts per input)"));
  mK->yAxis->setLabel(tr("test accuracy"));
  mOverlay = new PlotView(tr("Chosen runs"), this);
  mOverlay->xAxis->setLabel(tr("step"));
  mOverlay->setEmptyHint(tr("Select runs in the table to overlay their curves"));
  mMetric = new QComboBox(this);
  mMetric->addItem(tr("test accuracy"), QStringLiteral("eval:test_accuracy"));
  mMetric->addItem(tr("test loss"), QStringLiteral("eval:test_loss"));
  mMetric->addItem(tr("training loss"), QStringLiteral("step:train_loss"));
  mMetric->addItem(tr("load CV"), QStringLiteral("step:load_cv"));
  auto* overlayBox = mOverlayBox = new QVBoxLayout;
  overlayBox->setContentsMargins(0, 0, 0, 0);
  overlayBox->addWidget(mMetric);
  overlayBox->addWidget(mOverlay, 1);
  auto* grid = mGrid = new QGridLayout(this);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->addWidget(mPareto, 0, 0);
  grid->addLayout(overlayBox, 0, 1);
  grid->addWidget(mExperts, 1, 0);
  grid->addWidget(mK, 1, 1);
  connect(mMetric, &QComboBox::currentIndexChanged, this, &ExperimentPlots::drawOverlay);
}

void ExperimentPlots::setPresentation(bool on) {
  mGrid->removeItem(mOverlayBox);
  if (on)
    mGrid->addLayout(mOverlayBox, 1, 0);
  else
    mGrid->addLayout(mOverlayBox, 0, 1);
  mExperts->setVisible(!on);
  mK->setVisible(!on);
}

std::vector<PlotView*> ExperimentPlots::plots() const { return {mPareto, mOverlay, mExperts, mK}; }

void ExperimentPlots::setRows(const std::vector<core::SweepRow>& rows) {
  const auto points = settingPoints(rows);
  drawPareto(points);
  drawAgainst(mExperts, points, true);
  drawAgainst(mK, points, false);
}

void ExperimentPlots::drawPareto(const std::vector<SettingPoint>& points) {
  QCustomPlot* p = mPareto;
  p->clearGraphs();
  p->clearItems();
  p->clearPlottables();
  mParetoPoints = 0;
  for (bool baseline : {false, true}) {
    QCPGraph* g = p->addGraph();
    g->setName(baseline ? tr("baselines") : tr("MoE settings (mean ± sd over seeds)"));
    g->setLineStyle(QCPGraph::lsNone);
    const QColor c = baseline ? kBaseline : kMoe;
    g->setScatterStyle(QCPScatterStyle(baseline ? QCPScatterStyle::ssDiamond : QCPScatterStyle::ssDisc,
                                       c, c, baseline ? 12 : 9));
    auto* bars = new QCPErrorBars(p->xAxis, p->yAxis);
    bars->setDataPlottable(g);
    bars->setPen(QPen(c, 1.5));
    bars->removeFromLegend();
    QVector<double> x, y, e;
    for (const SettingPoint& s : points) {
      if (s.baseline.isEmpty() == baseline) continue;
      x << s.flops;
      y << s.mean;
      e << s.sd;
      auto* label = new QCPItemText(p);
      label->position->setCoords(s.flops, s.mean);
      label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
      label->setText(QStringLiteral(" ") + (baseline ? s.baseline : s.label));
      label->setColor(c);
      label->setClipToAxisRect(true);
    }
    g->setData(x, y);
    bars->setData(e);
    mParetoPoints += int(x.size());
  }
  const auto front = paretoFront(points);
  QCPGraph* f = p->addGraph();
  f->setName(tr("Pareto front"));
  f->setLineStyle(QCPGraph::lsStepLeft);
  f->setPen(QPen(kFront, 2, Qt::DashLine));
  QVector<double> fx, fy;
  for (const SettingPoint& s : front) {
    fx << s.flops;
    fy << s.mean;
  }
  f->setData(fx, fy);
  p->legend->setVisible(true);
  p->rescaleAxes();
  // Room for the labels right of the points and for the error bars.
  const QCPRange xr = p->xAxis->range(), yr = p->yAxis->range();
  p->xAxis->setRange(std::max(0.0, xr.lower - 0.05 * xr.size() - 0.01), xr.upper + 0.35 * xr.size() + 0.01);
  p->yAxis->setRange(yr.lower - 0.15 * yr.size() - 0.005, yr.upper + 0.15 * yr.size() + 0.005);
  p->replot();
}

void ExperimentPlots::drawAgainst(PlotView* plot, const std::vector<SettingPoint>& points,
                                  bool byExperts) {
  plot->clearGraphs();
  plot->clearPlottables();
  // One line per value of the other setting (k for the experts plot, experts for the k plot).
  std::map<double, std::map<double, std::vector<const SettingPoint*>>> lines;
  for (const SettingPoint& s : points) {
    if (!s.baseline.isEmpty()) continue;
    const double x = byExperts ? s.experts : s.k, other = byExperts ? s.k : s.experts;
    lines[other][x].push_back(&s);
  }
  int i = 0;
  for (const auto& [other, byX] : lines) {
    QCPGraph* g = plot->addGraph();
    g->setName(byExperts ? tr("k = %1").arg(other) : tr("%1 experts").arg(other));
    const QColor c = curveColor(i++);
    g->setPen(QPen(c, 2));
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, c, 8));
    auto* bars = new QCPErrorBars(plot->xAxis, plot->yAxis);
    bars->setDataPlottable(g);
    bars->setPen(QPen(c, 1.5));
    bars->removeFromLegend();
    QVector<double> x, y, e;
    for (const auto& [value, settings] : byX) {
      // Settings that differ in other keys (e.g. the router) at the same point: their mean.
      double mean = 0.0, sd = 0.0;
      for (const SettingPoint* s : settings) {
        mean += s->mean;
        sd = std::max(sd, s->sd);
      }
      x << value;
      y << mean / double(settings.size());
      e << sd;
    }
    g->setData(x, y);
    bars->setData(e);
  }
  plot->legend->setVisible(!lines.empty());
  plot->rescaleAxes();
  const QCPRange xr = plot->xAxis->range(), yr = plot->yAxis->range();
  plot->xAxis->setRange(xr.lower - 0.1 * xr.size() - 0.5, xr.upper + 0.1 * xr.size() + 0.5);
  plot->yAxis->setRange(yr.lower - 0.15 * yr.size() - 0.005, yr.upper + 0.15 * yr.size() + 0.005);
  plot->replot();
}

void ExperimentPlots::setOverlay(const std::vector<core::SweepRow>& rows, const QString& dir) {
  mOverlayRows = rows;
  mDir = dir;
  drawOverlay();
}

void ExperimentPlots::drawOverlay() {
  mOverlay->clearGraphs();
  const QStringList which = mMetric->currentData().toString().split(QLatin1Char(':'));
  const auto scope = which[0] == QStringLiteral("eval") ? core::MetricScope::Eval : core::MetricScope::Step;
  const std::string id = which[1].toStdString();
  mOverlay->yAxis->setLabel(mMetric->currentText());
  int i = 0;
  for (const core::SweepRow& row : mOverlayRows) {
    const auto h = row.find("history");
    if (h == row.end() || !h->is_string()) continue;
    core::RunRecord record;
    try {
      record = core::readHistoryFile(QDir(mDir).filePath(QString::fromStdString(h->get<std::string>())).toStdString());
    } catch (const std::exception&) {
      continue;  // a run without a readable history: nothing to overlay
    }
    const auto& rs = record.history.rows(scope);
    QVector<double> x, y;
    for (std::size_t r = 0; r < rs.size(); ++r) {
      const double v = record.history.value(scope, r, id);
      if (std::isnan(v)) continue;
      x << double(rs[r].step);
      y << v;
    }
    QCPGraph* g = mOverlay->addGraph();
    g->setName(QString::fromStdString(row.value("run", "")));
    const QColor c = curveColor(i++);
    g->setPen(QPen(c, 2));
    if (scope == core::MetricScope::Eval) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, c, 7));
    g->setData(x, y);
  }
  mOverlay->legend->setVisible(i > 0);
  mOverlay->rescaleAxes();
  mOverlay->replot();
}

}  // namespace moe::ui
