#include "ui/experimentplots.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <QComboBox>
#include <QDir>
#include <QGridLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>

#include "core/train/history_file.h"
#include "ui/plotview.h"
#include "ui/pointlabels.h"

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

/** A label that fits beside a point: "experts=4 top_k=2 router=switch" -> "E=4 k=2 router=switch". */
QString shortSetting(const QString& setting) {
  QString s = setting;
  s.replace(QStringLiteral("experts="), QStringLiteral("E="));
  s.replace(QStringLiteral("top_k="), QStringLiteral("k="));
  return s;
}

/** A PlotView whose "follow the data" leaves room around the points: for their labels and
 *  error bars, and so that no point sits on the frame (fractions of the data's span). */
class PaddedPlot : public PlotView {
 public:
  PaddedPlot(const QString& title, double xPad, double yPad, bool xFromZero, QWidget* parent)
      : PlotView(title, parent), mXPad(xPad), mYPad(yPad), mXFromZero(xFromZero) {}

  /** A logarithmic x axis (compute: a sweep's settings and its ensembles differ by factors,
   *  and on a linear axis the cheap settings crowd into its first tenth), with ticks at
   *  1, 2 and 5 times the powers of ten. Only for positive x. */
  void setLogX(bool on) {
    if (on == mLogX) return;
    mLogX = on;
    xAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (on) {
      mLinearTicker = xAxis->ticker();
      xAxis->setTicker(QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText));
    } else {
      xAxis->setTicker(mLinearTicker);
    }
  }

 protected:
  void rescale() override {
    rescaleAxes(true);
    const QCPRange xr = xAxis->range(), yr = yAxis->range();
    if (mLogX && xr.lower > 0) {
      // The same padding, in decades: a single setting gets half a decade either side.
      const double span = std::log10(xr.upper / xr.lower);
      const double pad = span > 0 ? mXPad * span + 0.02 : 0.5;
      const double lower = std::log10(xr.lower) - pad;
      const double upper = std::log10(xr.upper) + pad;
      xAxis->setRange(std::pow(10.0, lower), std::pow(10.0, upper));
      placeLogTicks();
    } else {
      const double xm = mXPad * xr.size() + (mXFromZero ? 0.02 : 0.5);
      const double lower = mXFromZero ? std::max(0.0, xr.lower - xm) : xr.lower - xm;
      xAxis->setRange(lower, xr.upper + xm);
    }
    yAxis->setRange(yr.lower - mYPad * yr.size() - 0.005, yr.upper + mYPad * yr.size() + 0.005);
  }

 private:
  void placeLogTicks() {
    auto ticker = xAxis->ticker().dynamicCast<QCPAxisTickerText>();
    if (!ticker) return;
    ticker->clear();
    const QCPRange r = xAxis->range();
    for (int e = int(std::floor(std::log10(r.lower))); e <= int(std::ceil(std::log10(r.upper))); ++e)
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, e);
        if (v >= r.lower && v <= r.upper) ticker->addTick(v, QString::number(v, 'g', 3));
      }
  }

  double mXPad, mYPad;
  bool mXFromZero;
  bool mLogX = false;
  QSharedPointer<QCPAxisTicker> mLinearTicker;
};

}  // namespace

QString runLegendName(const std::string& id) {
  const QString run = QString::fromStdString(id);
  const QString setting = shortSetting(settingOf(id)).remove(QStringLiteral("baseline="));
  for (const QString& part : run.split(QLatin1Char(' '), Qt::SkipEmptyParts))
    if (part.startsWith(QStringLiteral("seed=")))
      return setting + QStringLiteral(", seed ") + part.mid(5);
  return setting;
}

namespace {

/** Each baseline's marker, the same in every sweep (white-filled, orange-edged). */
QCPScatterStyle::ScatterShape baselineShape(const QString& name) {
  static const std::map<QString, QCPScatterStyle::ScatterShape> shapes{
      {QStringLiteral("dense-active"), QCPScatterStyle::ssDiamond},
      {QStringLiteral("dense-total"), QCPScatterStyle::ssSquare},
      {QStringLiteral("bagging"), QCPScatterStyle::ssTriangle},
      {QStringLiteral("boosting"), QCPScatterStyle::ssTriangleInverted},
      {QStringLiteral("stacking"), QCPScatterStyle::ssStar},
      {QStringLiteral("uniform-gate"), QCPScatterStyle::ssCrossCircle}};
  const auto it = shapes.find(name);
  return it != shapes.end() ? it->second : QCPScatterStyle::ssDiamond;
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
  mPareto = new PaddedPlot(tr("Accuracy against compute"), 0.08, 0.12, true, this);
  mPareto->xAxis->setLabel(tr("inference MFLOPs per sample"));
  mPareto->yAxis->setLabel(tr("test accuracy"));
  mPareto->setEmptyHint(tr("Each finished run appears here: run a sweep"));
  mExperts = new PaddedPlot(tr("Accuracy against experts"), 0.08, 0.12, false, this);
  mExperts->xAxis->setLabel(tr("experts"));
  mExperts->yAxis->setLabel(tr("test accuracy"));
  mK = new PaddedPlot(tr("Accuracy against k"), 0.08, 0.12, false, this);
  mK->xAxis->setLabel(tr("k (experts per input)"));
  mK->yAxis->setLabel(tr("test accuracy"));
  // Experts and k are whole numbers: no tick at 2.5 experts or k = 1.5.
  for (PlotView* p : {static_cast<PlotView*>(mExperts), static_cast<PlotView*>(mK)}) {
    QSharedPointer<QCPAxisTickerFixed> whole(new QCPAxisTickerFixed);
    whole->setTickStep(1.0);
    whole->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    p->xAxis->setTicker(whole);
  }
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
  // Legends in a row under the axes: inside, they covered points and curves.
  for (PlotView* p : plots()) p->placeLegendBelow();
  connect(mMetric, &QComboBox::currentIndexChanged, this, &ExperimentPlots::drawOverlay);
  // The point labels are laid out in pixels once the axes have their size for this replot.
  connect(mPareto, &QCustomPlot::afterLayout, this, &ExperimentPlots::layoutParetoLabels);
  mPareto->setMouseTracking(true);
  connect(mPareto, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    const QString text = paretoPointText(event->position().toPoint());
    if (text.isEmpty())
      QToolTip::hideText();
    else
      QToolTip::showText(event->globalPosition().toPoint(), text, mPareto);
  });
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
  mFrontGraph = nullptr;
  p->clearPlottables();
  // Only the labels: the plot's own items (the empty hint) stay.
  for (const ParetoLabel& l : mLabels) p->removeItem(l.item);
  mLabels.clear();
  mParetoPoints = 0;
  const auto front = paretoFront(points);
  // One graph for the MoE settings, then one per baseline, each with its own marker: the
  // legend names every baseline (a point label had no room beside a crowded point).
  QStringList groups{QString()};
  for (const SettingPoint& s : points)
    if (!groups.contains(s.baseline)) groups << s.baseline;
  for (const QString& group : groups) {
    const bool baseline = !group.isEmpty();
    QCPGraph* g = p->addGraph();
    g->setName(baseline ? group : tr("MoE (mean ± sd over seeds)"));
    g->setLineStyle(QCPGraph::lsNone);
    const QColor c = baseline ? kBaseline : kMoe;
    g->setScatterStyle(QCPScatterStyle(baseline ? baselineShape(group) : QCPScatterStyle::ssDisc,
                                       QPen(c, baseline ? 2 : 1), baseline ? QBrush(Qt::white) : QBrush(c),
                                       baseline ? 11 : 9));
    auto* bars = new QCPErrorBars(p->xAxis, p->yAxis);
    bars->setDataPlottable(g);
    bars->setPen(QPen(c, 1.5));
    bars->removeFromLegend();
    QVector<double> x, y, e;
    for (const SettingPoint& s : points) {
      if (s.baseline != group) continue;
      x << s.flops;
      y << s.mean;
      e << s.sd;
      auto* label = new QCPItemText(p);
      label->position->setType(QCPItemPosition::ptAbsolute);  // placed by layoutParetoLabels
      label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
      label->setPadding(QMargins(1, 0, 1, 0));
      label->setText(baseline ? s.baseline : shortSetting(s.label));
      label->setColor(c);
      label->setFont(p->xAxis->tickLabelFont());
      label->setClipToAxisRect(true);
      label->setVisible(false);
      // Labels claim their places in this order: the front, then the rest (a baseline's is
      // never shown: see layoutParetoLabels; it keeps the hover text).
      const bool onFront = std::any_of(front.begin(), front.end(), [&](auto& f) { return f.label == s.label; });
      mLabels.push_back({label, s, onFront ? 0 : baseline ? 1 : 2});
    }
    g->setData(x, y);
    bars->setData(e);
    mParetoPoints += int(x.size());
  }
  std::stable_sort(mLabels.begin(), mLabels.end(), [](auto& a, auto& b) { return a.rank < b.rank; });
  // FLOPs on a log axis when every point has them (a zero would be off the axis).
  double left = std::numeric_limits<double>::infinity(), right = -left;
  for (const ParetoLabel& l : mLabels) {
    left = std::min(left, l.point.flops);
    right = std::max(right, l.point.flops);
  }
  const bool logX = !mLabels.empty() && left > 0 && std::isfinite(right);
  auto* pareto = static_cast<PaddedPlot*>(mPareto);
  pareto->setLogX(logX);
  QCPGraph* f = mFrontGraph = p->addGraph();
  f->setName(tr("Pareto front"));
  f->setLineStyle(QCPGraph::lsStepLeft);
  f->setPen(QPen(kFront, 2, Qt::DashLine));
  QVector<double> fx, fy;
  for (const SettingPoint& s : front) {
    fx << s.flops;
    fy << s.mean;
  }
  f->setData(fx, fy);
  mPareto->setFollowing(true);  // rescales with room for the labels, and replots
}

void ExperimentPlots::layoutParetoLabels() {
  if (mLabels.empty()) return;
  std::vector<PointLabel> labels;
  std::vector<QRect> bars;  // the error bars (a label across one hides the spread), the front
  for (const ParetoLabel& l : mLabels) {
    const QPointF at(mPareto->xAxis->coordToPixel(l.point.flops), mPareto->yAxis->coordToPixel(l.point.mean));
    // The drawn box is the text's plus its padding (1 pixel a side) and a pixel of rounding.
    const QFontMetrics metrics(l.item->font());
    const QRect text = metrics.boundingRect(l.item->text());
    // A baseline's marker is named in the legend; a label of its own, pushed aside by the
    // crowd, landed beside another point and named it wrongly. Its marker still keeps others'
    // labels off it (an empty size: no place sought).
    const bool named = l.point.baseline.isEmpty();
    labels.push_back({at, named ? 5 : 6, named ? QSize(text.width() + 4, metrics.height() + 2) : QSize()});
    const double top = mPareto->yAxis->coordToPixel(l.point.mean + l.point.sd);
    const double bottom = mPareto->yAxis->coordToPixel(l.point.mean - l.point.sd);
    bars.emplace_back(int(at.x()) - 5, int(top) - 1, 11, int(bottom - top) + 3);  // whiskers 9 wide
  }
  // The front's steps (lsStepLeft: across at the left point's height, then up): a label on
  // the dashed line is hard to read.
  if (mFrontGraph) {
    QPointF last;
    bool first = true;
    for (auto it = mFrontGraph->data()->constBegin(); it != mFrontGraph->data()->constEnd(); ++it) {
      const QPointF at(mPareto->xAxis->coordToPixel(it->key), mPareto->yAxis->coordToPixel(it->value));
      if (!first) {
        bars.push_back(QRectF(QPointF(last.x(), last.y() - 2), QPointF(at.x(), last.y() + 2)).normalized().toAlignedRect());
        bars.push_back(QRectF(QPointF(at.x() - 2, last.y()), QPointF(at.x() + 2, at.y())).normalized().toAlignedRect());
      }
      last = at;
      first = false;
    }
  }
  const auto places = layoutPointLabels(labels, bars, mPareto->axisRect()->rect());
  for (std::size_t i = 0; i < mLabels.size(); ++i) {
    mLabels[i].item->setVisible(places[i].shown);
    if (places[i].shown) mLabels[i].item->position->setCoords(places[i].box.left(), places[i].box.top());
  }
}

std::vector<QRect> ExperimentPlots::paretoLabelRects() const {
  std::vector<QRect> rects;
  for (const ParetoLabel& l : mLabels)
    if (l.item->visible())
      rects.emplace_back(l.item->topLeft->pixelPosition().toPoint(), l.item->bottomRight->pixelPosition().toPoint());
  return rects;
}

QStringList ExperimentPlots::paretoLabelTexts() const {
  QStringList texts;
  for (const ParetoLabel& l : mLabels)
    if (l.item->visible()) texts << l.item->text();
  return texts;
}

QString ExperimentPlots::paretoPointText(const QPoint& pixel) const {
  const ParetoLabel* nearest = nullptr;
  double best = 10.0 * 10.0;  // within 10 pixels of a point
  for (const ParetoLabel& l : mLabels) {
    const double dx = mPareto->xAxis->coordToPixel(l.point.flops) - pixel.x();
    const double dy = mPareto->yAxis->coordToPixel(l.point.mean) - pixel.y();
    if (dx * dx + dy * dy <= best) {
      best = dx * dx + dy * dy;
      nearest = &l;
    }
  }
  if (!nearest) return {};
  const SettingPoint& s = nearest->point;
  return tr("%1\ntest accuracy %2 ± %3 (%4 runs)\n%5 inference MFLOPs per sample")
      .arg(s.label)
      .arg(s.mean, 0, 'f', 4)
      .arg(s.sd, 0, 'f', 4)
      .arg(s.runs)
      .arg(s.flops, 0, 'f', 3);
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
  plot->setFollowing(true);  // rescales with room around the points, and replots
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
    g->setName(runLegendName(row.value("run", "")));
    const QColor c = curveColor(i++);
    g->setPen(QPen(c, 2));
    if (scope == core::MetricScope::Eval) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, c, 7));
    g->setData(x, y);
  }
  mOverlay->setFollowing(true);  // rescales, replots and hides the empty hint
}

}  // namespace moe::ui
