// The Experiments tab's plots read on a projector: no legend over a point, no two point labels
// on each other (a label with no free place is left to the hover), every title inside its plot.
// The rows are those of a small sweep (experts 2, 4, 8 x k 1, 2, two seeds, three baselines),
// written here: no training.
#include <QtTest>

#include "ui/experimentplots.h"
#include "ui/heatmapwidget.h"
#include "ui/plotview.h"
#include "ui/pointlabels.h"

using namespace moe;

namespace {

core::SweepRow row(const std::string& run, double accuracy, double mflops, int experts, int k,
                   const char* baseline = nullptr) {
  core::SweepRow r;
  r["run"] = run;
  r["status"] = "done";
  r["test_accuracy"] = accuracy;
  r["inference_flops_per_sample"] = mflops * 1e6;
  r["baseline"] = baseline ? core::SweepRow(baseline) : core::SweepRow(nullptr);
  r["config"] = {{"experts", experts}, {"top_k", k}};
  return r;
}

/** The 18 runs of docs/experiments-tab.png's sweep as measured (3 December 2026, 3,000 training
 *  images): the k = 2 settings and the dense-active baseline lie within a few pixels of each
 *  other, and so do the dense-total and bagging baselines. */
std::vector<core::SweepRow> sweepRows() {
  std::vector<core::SweepRow> rows;
  const struct {
    int e, k;
    double acc[2], mflops;
  } moe[] = {{2, 1, {0.8091, 0.8170}, 0.41022}, {2, 2, {0.8320, 0.8357}, 0.81730},
             {4, 1, {0.8095, 0.8066}, 0.41336}, {4, 2, {0.8357, 0.8336}, 0.82044},
             {8, 1, {0.7833, 0.7664}, 0.41964}, {8, 2, {0.8298, 0.8344}, 0.82672}};
  for (const auto& m : moe)
    for (int seed = 0; seed < 2; ++seed)
      rows.push_back(row("experts=" + std::to_string(m.e) + " top_k=" + std::to_string(m.k) +
                             " seed=" + std::to_string(seed),
                         m.acc[seed], m.mflops, m.e, m.k));
  const struct {
    const char *name, *run;
    double acc[2], mflops;
  } base[] = {{"dense-active", "baseline=dense-active", {0.8262, 0.8361}, 0.81569},
              {"dense-total", "baseline=dense-total", {0.8277, 0.8378}, 3.25793},
              {"bagging", "baseline=bagging members=8", {0.8347, 0.8341}, 3.26920}};
  for (const auto& b : base)
    for (int seed = 0; seed < 2; ++seed)
      rows.push_back(row(std::string(b.run) + " seed=" + std::to_string(seed), b.acc[seed], b.mflops, 1, 1, b.name));
  return rows;
}

/** Every data point of a plot's graphs, in pixels, that lies inside its axes. */
std::vector<QPointF> pointPixels(ui::PlotView* p) {
  std::vector<QPointF> points;
  for (int g = 0; g < p->graphCount(); ++g)
    for (auto it = p->graph(g)->data()->constBegin(); it != p->graph(g)->data()->constEnd(); ++it) {
      const QPointF px(p->xAxis->coordToPixel(it->key), p->yAxis->coordToPixel(it->value));
      if (p->axisRect()->rect().contains(px.toPoint())) points.push_back(px);
    }
  return points;
}

/** A PlotView's title font at the desk size (ui/plotview.cpp: setBaseFontSize(11)). */
QFont titleFont(const QWidget& w) {
  QFont f = w.font();
  f.setPointSize(13);
  f.setBold(true);
  return f;
}

}  // namespace

class TestExperimentPlots : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void labelsNeverOverlap() {
    // Eight points in a 20-pixel cluster and one alone, labels 80 x 16.
    std::vector<ui::PointLabel> labels;
    for (int i = 0; i < 8; ++i) labels.push_back({QPointF(100 + (i % 2) * 6, 200 + i * 3), 5, QSize(80, 16)});
    labels.push_back({QPointF(400, 100), 5, QSize(80, 16)});
    const QRect area(0, 0, 500, 400);
    const auto places = ui::layoutPointLabels(labels, {QRect(97, 150, 7, 100)}, area);
    int shown = 0;
    for (std::size_t i = 0; i < places.size(); ++i) {
      if (!places[i].shown) continue;
      ++shown;
      QVERIFY(area.contains(places[i].box));
      QVERIFY(!places[i].box.intersects(QRect(97, 150, 7, 100)));  // the obstacle (an error bar)
      for (std::size_t j = 0; j < places.size(); ++j) {
        const QPoint c = labels[j].at.toPoint();
        QVERIFY2(!places[i].box.intersects(QRect(c.x() - 5, c.y() - 5, 11, 11)), "a label covers a point");
        if (j != i && places[j].shown) QVERIFY2(!places[i].box.intersects(places[j].box), "two labels overlap");
      }
    }
    QVERIFY2(shown >= 4, "the cluster should still get labels above, below and beside it");
    QVERIFY(places[8].shown);  // the lone point: right of it
    QCOMPARE(places[8].box.topLeft(), QPoint(400 + 5 + 3, 100 - 8));
    // At the right edge the label goes left of its point.
    const auto edge = ui::layoutPointLabels({{QPointF(480, 100), 5, QSize(80, 16)}}, {}, area);
    QVERIFY(edge[0].shown);
    QVERIFY(edge[0].box.right() < 480);
  }

  void legendsAndLabelsLeaveThePointsFree_data() {
    QTest::addColumn<QSize>("size");
    QTest::newRow("the tab at 1600 x 1000") << QSize(700, 720);
    QTest::newRow("narrow") << QSize(460, 560);
  }

  void legendsAndLabelsLeaveThePointsFree() {
    QFETCH(QSize, size);
    ui::ExperimentPlots plots;
    plots.resize(size);
    plots.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plots));
    plots.setRows(sweepRows());
    QCOMPARE(plots.paretoPointCount(), 9);
    QTRY_VERIFY_WITH_TIMEOUT(!plots.paretoLabelRects().empty(), 5000);
    QTest::qWait(600);  // every plot's rate-limited replot
    for (ui::PlotView* p : plots.plots()) {
      if (p == plots.overlayPlot()) continue;  // no runs chosen: nothing drawn
      QVERIFY2(p->legend->visible() && p->legend->itemCount() > 0, qPrintable(p->title()));
      const QRect legend = p->legend->outerRect();
      const auto points = pointPixels(p);
      QVERIFY2(!points.empty(), qPrintable(p->title()));
      for (const QPointF& px : points)
        QVERIFY2(!legend.adjusted(-4, -4, 4, 4).contains(px.toPoint()),
                 qPrintable(QStringLiteral("%1: the legend covers a point at %2,%3")
                                .arg(p->title()).arg(px.x()).arg(px.y())));
      // Every title line fits the plot's width.
      for (const QString& line : p->drawnTitle().split(QLatin1Char('\n')))
        QVERIFY2(QFontMetrics(titleFont(*p)).horizontalAdvance(line) <= p->width(), qPrintable(line));
    }
    // The Pareto plot's labels: inside the axes, on no point and on no other label.
    ui::PlotView* pareto = plots.paretoPlot();
    const auto labels = plots.paretoLabelRects();
    const auto points = pointPixels(pareto);
    for (std::size_t i = 0; i < labels.size(); ++i) {
      QVERIFY(pareto->axisRect()->rect().contains(labels[i]));
      for (const QPointF& px : points)
        QVERIFY2(!labels[i].contains(px.toPoint()), "a label covers a point");
      for (std::size_t j = i + 1; j < labels.size(); ++j)
        QVERIFY2(!labels[i].intersects(labels[j]),
                 qPrintable(QStringLiteral("labels %1 and %2 overlap").arg(i).arg(j)));
    }
    // Every baseline is named in the legend, with a marker of its own: the legend said only
    // "baselines", and docs/experiments-tab.png had two unnamed diamonds at 3.26 MFLOPs.
    QStringList named;
    QSet<int> shapes;
    for (int g = 0; g < pareto->graphCount(); ++g)
      if (pareto->graph(g)->name() != QStringLiteral("Pareto front")) {
        named << pareto->graph(g)->name();
        shapes.insert(int(pareto->graph(g)->scatterStyle().shape()));
      }
    for (const char* name : {"dense-active", "dense-total", "bagging"})
      QVERIFY2(named.contains(QLatin1String(name)), qPrintable(name + QStringLiteral(" not in the legend: ") + named.join(", ")));
    QCOMPARE(shapes.size(), named.size());
    // ... and by no point label, which, pushed aside, landed beside another point.
    for (const QString& text : plots.paretoLabelTexts()) QVERIFY2(text.startsWith(QStringLiteral("E=")), qPrintable(text));
    for (int g = 0; g < pareto->graphCount(); ++g)
      QVERIFY(pareto->legend->hasItemWithPlottable(pareto->graph(g)));
    // Compute on a log axis: the k = 1 and k = 2 settings (0.41 and 0.82 MFLOPs) are as far
    // apart as 1.6 and 3.3, not squeezed into the axis's first tenth.
    const double k1 = pareto->xAxis->coordToPixel(0.41), k2 = pareto->xAxis->coordToPixel(0.82),
                 base = pareto->xAxis->coordToPixel(1.64), total = pareto->xAxis->coordToPixel(3.28);
    QVERIFY2(std::abs((k2 - k1) - (total - base)) < 2.0, qPrintable(QStringLiteral("%1 %2 %3 %4").arg(k1).arg(k2).arg(base).arg(total)));
    // Most points keep a label (the cluster of k = 2 settings cannot: the hover names them).
    QVERIFY2(labels.size() >= (size.width() >= 700 ? 5u : 4u), qPrintable(plots.paretoLabelTexts().join(", ")));
    // The hover names the point under the mouse, labelled or not.
    const QPoint e8k2(int(pareto->xAxis->coordToPixel(0.82672)), int(pareto->yAxis->coordToPixel(0.8321)));
    QVERIFY2(plots.paretoPointText(e8k2).contains(QStringLiteral("top_k=2")), qPrintable(plots.paretoPointText(e8k2)));
    QVERIFY(plots.paretoPointText(QPoint(2, 2)).isEmpty());
    // No hint over a plot with data.
    QVERIFY(!pareto->emptyHintShown());
  }

  void chosenRunsAreNamedShortInTheLegend() {
    // The raw id ("experts=2 top_k=2 seed=0") read "experts=2 top  k=2 seed=0" in the legend.
    QCOMPARE(ui::runLegendName("experts=2 top_k=2 seed=0"), QStringLiteral("E=2 k=2, seed 0"));
    QCOMPARE(ui::runLegendName("experts=8 top_k=1 router=switch seed=12"),
             QStringLiteral("E=8 k=1 router=switch, seed 12"));
    QCOMPARE(ui::runLegendName("baseline=bagging seed=1"), QStringLiteral("bagging, seed 1"));
    QCOMPARE(ui::runLegendName("experts=4"), QStringLiteral("E=4"));
  }

  void longTitlesWrapInsideNarrowPlots() {
    // The Ablation tab's drop map was titled wider than its half of the tab: both ends cut.
    ui::HeatmapWidget map;
    map.resize(320, 400);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    QStringList names{QStringLiteral("a"), QStringLiteral("b")};
    map.setShares(names, 2, {0.1f, 0.2f, 0.3f, 0.4f},
                  QStringLiteral("Accuracy drop with the expert removed (next-choice, step 32)"),
                  QStringLiteral("drop"));
    const QStringList drawn = map.drawnTitle().split(QLatin1Char('\n'));
    QVERIFY2(drawn.size() >= 2, qPrintable(map.drawnTitle()));
    for (const QString& line : drawn)
      QVERIFY2(QFontMetrics(titleFont(map)).horizontalAdvance(line) <= 320 - 12, qPrintable(line));
    // The second line too; shownTitle keeps both as they were set.
    map.setSubtitle(QStringLiteral("next-choice · test split, step 32 · a second line that is long too"));
    QVERIFY(map.shownTitle().startsWith(QStringLiteral("Accuracy drop with the expert removed (next-choice, step 32)\n")));
    QVERIFY2(map.drawnTitle().count(QLatin1Char('\n')) >= drawn.size() + 1, qPrintable(map.drawnTitle()));
    // Wider: one line each again.
    map.resize(1200, 400);
    QTest::qWait(50);
    QCOMPARE(map.drawnTitle().count(QLatin1Char('\n')), 1);
  }
};

QTEST_MAIN(TestExperimentPlots)
#include "test_experimentplots.moc"
