// Widgets with synthetic data: plots, heatmap clicks, gate bars, exports, session files.
#include <cmath>

#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/ui/file_head.h"
#include "ui/classmixbar.h"
#include "ui/gatebarchart.h"
#include "ui/heatmapwidget.h"
#include "ui/loadplot.h"
#include "ui/plotview.h"
#include "ui/sampleimage.h"
#include "ui/seriesplot.h"
#include "ui/sessionio.h"
#include "ui/textfit.h"

using namespace moe;

using moe::testing::fileHead;

class WidgetsTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void barLabelsStayInsideAShortChart() {
    // The text inspector's "Experts over the tokens" on a projector: "40%" above the tallest bar
    // was cut off by the frame (a quarter of the range was left for it, about 15 px).
    for (bool tokens : {false, true}) {
      ui::GateBarChart chart;
      chart.setPresentation(true);
      chart.resize(480, 230);  // about the inspector's at 1280x720
      chart.show();
      QVERIFY(QTest::qWaitForWindowExposed(&chart));
      if (tokens)
        chart.setTokenShares({0.1f, 0.4f, 0.3f, 0.2f}, {0, 1, 2, 3}, {0.15f, 0.40f, 0.39f, 0.06f});
      else
        chart.setGate({0.05f, 0.8f, 0.1f, 0.05f}, {1, 2}, {0.9f, 0.1f}, false);
      chart.replot();
      QTest::qWait(50);  // the range found at layout is drawn at the next replot
      chart.replot();
      const QRect axes = chart.axisRect()->rect();
      for (const QRect& r : chart.labelRects())
        QVERIFY2(r.top() >= axes.top(), qPrintable(QStringLiteral("%1: label at %2, axes from %3")
                                                        .arg(tokens ? "tokens" : "gate").arg(r.top()).arg(axes.top())));
    }
  }

  void shortPlotsGetFewerYTicks() {
    // On a projector a 70 px axis carried "0 0.2 0.4 0.6 0.8 1", labels on each other: the y
    // ticks are at least a line and a third apart, whatever the plot's height.
    for (int height : {180, 260, 600}) {
      ui::PlotView plot(QStringLiteral("short"));
      plot.setPresentation(true);  // the projector's 18 px tick labels
      plot.resize(500, height);
      plot.show();
      QVERIFY(QTest::qWaitForWindowExposed(&plot));
      plot.addGraph()->setData({0.0, 1.0, 2.0}, {0.0, 0.5, 1.0});
      plot.yAxis->setRange(0.0, 1.0);
      plot.xAxis->setRange(0.0, 2.0);
      plot.replot();
      QTest::qWait(50);  // the count found at layout is drawn at the next replot
      plot.replot();
      const QVector<double> ticks = plot.yAxis->tickVector();
      QVERIFY(ticks.size() >= 2);
      const double gap = std::abs(plot.yAxis->coordToPixel(ticks[0]) - plot.yAxis->coordToPixel(ticks[1]));
      QVERIFY2(gap >= 1.3 * QFontMetricsF(plot.yAxis->tickLabelFont()).height(),
               qPrintable(QStringLiteral("height %1: %2 ticks %3 px apart").arg(height).arg(ticks.size()).arg(gap)));
    }
  }

  void fontsScaleInPointsAndInPixels() {
    // Presentation mode sizes fonts in pixels; pointSize() is then -1, and "pointSize() - 1"
    // drew the gallery's class names at 7 pt on a projector.
    QFont points;
    points.setPointSizeF(10.0);
    QCOMPARE(ui::scaledFont(points, 1.5).pointSizeF(), 15.0);
    QFont pixels;
    pixels.setPixelSize(20);
    QCOMPARE(ui::scaledFont(pixels, 0.9).pixelSize(), 18);
    QCOMPARE(ui::scaledFont(pixels, 1.25).pixelSize(), 25);
    // The class-mix bar grows with its font, so a presentation font's names fit in it.
    ui::ClassMixBar bar;
    const int desk = bar.minimumHeight();
    bar.setFont(pixels);
    QVERIFY2(bar.minimumHeight() >= QFontMetrics(ui::scaledFont(pixels, 0.9)).height() + 6 && bar.minimumHeight() > desk - 1,
             qPrintable(QStringLiteral("%1 -> %2").arg(desk).arg(bar.minimumHeight())));
  }

  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void seriesPlotSkipsNonFinite() {
    ui::SeriesPlot plot(QStringLiteral("Loss"), QStringLiteral("step"), QStringLiteral("loss"));
    const int s = plot.addSeries(QStringLiteral("train"), Qt::blue);
    plot.append(s, 1, 2.0);
    plot.append(s, 2, std::nan(""));
    plot.append(s, 3, 1.0);
    QCOMPARE(plot.pointCount(s), 2);
    plot.clearData();
    QCOMPARE(plot.pointCount(s), 0);
  }

  void loadPlotStacksToOne() {
    ui::LoadPlot plot;
    plot.setSmoothing(1.0);
    plot.append(1, {0.5f, 0.25f, 0.25f});
    QCOMPARE(plot.experts(), 3);
    QCOMPARE(plot.pointCount(), 1);
    QCOMPARE(plot.band(2)->data()->at(0)->value, 1.0);
    QCOMPARE(plot.band(1)->data()->at(0)->value, 0.75);
    QCOMPARE(plot.band(0)->data()->at(0)->value, 0.5);
    // The legend lists the experts in order, whatever order the bands are painted in.
    auto* first = qobject_cast<QCPPlottableLegendItem*>(plot.legend->item(0));
    QVERIFY(first);
    QCOMPARE(first->plottable()->name(), QStringLiteral("E0"));
  }

  void curveThinningKeepsABoundedMeanCurve() {
    QCustomPlot plot;
    QCPGraph* g = plot.addGraph();
    ui::CurveThinning thinning(100);
    const int steps = 10000;
    for (int x = 1; x <= steps; ++x) thinning.append(g, x, x % 2 == 0 ? 1.0 : 0.0);
    QVERIFY2(g->dataCount() <= 101, qPrintable(QString::number(g->dataCount())));
    QVERIFY(g->dataCount() >= 40);
    QVERIFY(thinning.stride() > 1.0);
    // The last point is at the newest step; alternating 0/1 averages to about one half (the
    // first window starts alone, and a window of odd length is off by 1/length).
    QCOMPARE((g->data()->constEnd() - 1)->key, double(steps));
    for (int i = 1; i + 1 < g->dataCount(); ++i)
      QVERIFY2(std::abs(g->data()->at(i)->value - 0.5) < 0.02,
               qPrintable(QString::number(g->data()->at(i)->value)));
    // Keys stay sorted and strictly increasing.
    for (int i = 1; i < g->dataCount(); ++i)
      QVERIFY(g->data()->at(i)->key > g->data()->at(i - 1)->key);
    thinning.reset();
    QCOMPARE(thinning.stride(), 1.0);
  }

  void heatmapRowsAndClicks() {
    ui::HeatmapWidget map;
    map.resize(700, 500);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    const std::vector<std::int64_t> counts = {30, 10, 0, 0, 5, 5};  // 2 classes x 3 experts
    map.setCounts({QStringLiteral("cat"), QStringLiteral("dog")}, 3, counts, 0.5, QStringLiteral("test"));
    QCOMPARE(map.share(0, 0), 0.75);
    QCOMPARE(map.share(1, 2), 0.5);
    map.replot();
    QSignalSpy spy(&map, &ui::HeatmapWidget::cellClicked);
    QTest::mouseClick(&map, Qt::LeftButton, {}, map.cellCenter(1, 2));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), 1);
    QCOMPARE(spy.at(0).at(1).toInt(), 2);
  }

  void gateBars() {
    ui::GateBarChart chart;
    chart.setGate({0.1f, 0.6f, 0.3f}, {1, 2}, {0.67f, 0.33f}, true);
    QCOMPARE(int(chart.values().size()), 3);
    QCOMPARE(chart.values()[1], double(0.6f));
    // Every expert carries its value: chosen ones their rank and weight, the others their
    // probability.
    QCOMPARE(chart.labelTexts(), QStringList({"0.10", "#1\nw=0.67", "#2\nw=0.33"}));
  }

  void tokenSharesAreShownPerExpertNotByRank() {
    // A sentence: E2 took 60 % of the tokens and E0 40 %, listed most first.
    ui::GateBarChart chart;
    chart.setTokenShares({0.5f, 0.2f, 0.3f}, {2, 0}, {0.6f, 0.4f});
    QCOMPARE(chart.values(), std::vector<double>({0.5f, 0.2f, 0.3f}));
    QCOMPARE(chart.tokenShares(), std::vector<double>({0.4f, 0.0, 0.6f}));
    QCOMPARE(chart.labelTexts(), QStringList({"40%", "0%", "60%"}));
    QVERIFY(chart.legend->visible());
  }

  void exportFormats_data() {
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QByteArray>("magic");
    QTest::newRow("png") << QStringLiteral("png") << QByteArray("\x89PNG\r\n\x1a\n", 8);
    QTest::newRow("pdf") << QStringLiteral("pdf") << QByteArray("%PDF-");
  }

  void exportFormats() {
    QFETCH(QString, suffix);
    QFETCH(QByteArray, magic);
    QTemporaryDir dir;
    ui::SeriesPlot plot(QStringLiteral("Accuracy"), QStringLiteral("step"), QStringLiteral("acc"));
    const int s = plot.addSeries(QStringLiteral("train"), Qt::red);
    for (int i = 0; i < 50; ++i) plot.append(s, i, i / 50.0);
    const QString path = dir.filePath(QStringLiteral("plot.") + suffix);
    QString error;
    QVERIFY2(plot.exportTo(path, &error), qPrintable(error));
    QCOMPARE(fileHead(path, magic.size()), magic);
    QVERIFY(!plot.exportTo(dir.filePath(QStringLiteral("plot.xyz")), &error));
  }

  void sessionFileRoundTripAndCsv() {
    QTemporaryDir dir;
    core::TrainConfig config;
    config.model.experts = 4;
    config.optim.lr = 0.005;
    core::RunHistory history;
    for (int i = 1; i <= 3; ++i) {
      core::StepMetrics m;
      m.step = i;
      m.loss = 1.0 / i;
      m.quality = 0.3 * i;
      m.routing.load = {0.25f, 0.25f, 0.25f, 0.25f};
      if (i == 2) m.loss = std::nan("");  // a diverged step survives the round trip
      history.append(m);
    }
    core::EvalReport e;
    e.step = 3;
    e.loss = 0.9;
    e.quality = 0.7;
    e.mutualInformation = 0.4;
    history.append(e);
    QString error;
    const QString path = dir.filePath(ui::kSessionHistoryFile);
    QVERIFY2(ui::writeSessionFile(path, config, history, &error), qPrintable(error));
    core::TrainConfig back;
    core::RunHistory backHistory;
    QVERIFY2(ui::readSessionFile(path, &back, &backHistory, &error), qPrintable(error));
    QCOMPARE(back.model.experts, 4);
    QCOMPARE(back.optim.lr, 0.005);
    QCOMPARE(int(backHistory.steps().size()), 3);
    QVERIFY(std::isnan(backHistory.value(core::MetricScope::Step, 1, "train_loss")));
    QCOMPARE(backHistory.value(core::MetricScope::Eval, 0, "test_accuracy"), 0.7);

    const QString csv = dir.filePath(QStringLiteral("metrics.csv"));
    QVERIFY2(ui::exportMetricsCsv(csv, history, &error), qPrintable(error));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines[0].startsWith("step,epoch,epoch_progress,train_loss,train_accuracy,test_loss,"
                                "test_accuracy,"));
    QVERIFY(lines[0].contains(",expert_load_e3,"));
    QVERIFY(lines[0].endsWith(",expert_utilisation_e3"));  // load / fair share, from the load
    QVERIFY(lines[3].startsWith("3,0,0,0.33333333,0.9,0.9,0.7,"));  // test loss and accuracy
    QVERIFY(lines[2].startsWith("2,0,0,,0.6,,,"));                 // no evaluation at step 2
    QVERIFY(!ui::readSessionFile(dir.filePath(QStringLiteral("missing.json")), &back, &backHistory, &error));
    QVERIFY(!ui::writeSessionFile(QStringLiteral("/proc/no/such/dir/session.json"), config, history, &error));
  }

  // session.json of the window's first format (before run histories) still loads.
  void legacySessionFileLoads() {
    QTemporaryDir dir;
    const QString path = dir.filePath(ui::kLegacySessionFile);
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"format": "moe-explorer-session", "version": 1,
      "config": {"dataset": "fashion-mnist", "experts": 4, "lr": 0.002},
      "history": {"steps": [
         {"step": 1, "epoch": 0, "progress": 0.5, "loss": 2.0, "accuracy": 0.25, "switch": 1.1,
          "importance": 0.1, "loadLoss": 0.2, "z": 3.0, "aux": 0.011, "lr": 0.002, "sps": 900,
          "routing": {"load": [0.1, 0.2, 0.3, 0.4], "importance": [0.25, 0.25, 0.25, 0.25],
                      "cv": 0.45, "maxVio": 0.6, "dropped": 0.0, "unrouted": 0.0,
                      "entropy": 1.2, "dead": 1}},
         {"step": 2, "epoch": 1, "progress": 1.0, "loss": null, "accuracy": 0.5}],
       "evals": [{"step": 2, "epoch": 1, "loss": 1.5, "accuracy": 0.6, "mi": 0.3,
                  "routing": {"load": [0.25, 0.25, 0.25, 0.25], "cv": 0.0, "dead": 0}}]}})");
    f.close();
    core::TrainConfig config;
    core::RunHistory h;
    QString error;
    QVERIFY2(ui::readSessionFile(path, &config, &h, &error), qPrintable(error));
    QCOMPARE(config.model.experts, 4);
    QCOMPARE(int(h.steps().size()), 2);
    QCOMPARE(int(h.evals().size()), 1);
    using core::MetricScope;
    QCOMPARE(h.value(MetricScope::Step, 0, "train_accuracy"), 0.25);
    QCOMPARE(h.value(MetricScope::Step, 0, "z_loss"), 3.0);
    QCOMPARE(h.value(MetricScope::Step, 0, "samples_per_s"), 900.0);
    QCOMPARE(h.value(MetricScope::Step, 0, "dead_experts"), 1.0);
    QCOMPARE(h.steps()[0].vectors[std::size_t(h.vectorColumn(MetricScope::Step, "expert_load"))].size(),
             std::size_t(4));
    QVERIFY(std::isnan(h.value(MetricScope::Step, 1, "train_loss")));
    QCOMPARE(h.value(MetricScope::Eval, 0, "mutual_information_bits"), 0.3);
    // Its "accuracy" was RMSE for ratings: whoever knows the task re-labels it.
    h.setQuality(core::QualityMetric::Rmse);
    QCOMPARE(h.value(MetricScope::Step, 1, "train_rmse"), 0.5);
    QCOMPARE(h.value(MetricScope::Eval, 0, "test_rmse"), 0.6);
    QVERIFY(std::isnan(h.value(MetricScope::Eval, 0, "test_accuracy")));
    QCOMPARE(h.value(MetricScope::Eval, 0, "test_loss"), 1.5);
  }

  void saliencyOverlayShape() {
    std::vector<float> s(28 * 28, 0.0f);
    s[100] = -2.0f;
    const QImage overlay = ui::saliencyOverlay(s, 28, 28, 1);
    QCOMPARE(overlay.size(), QSize(28, 28));
    QCOMPARE(qAlpha(overlay.pixel(100 % 28, 100 / 28)), 204);  // strongest pixel, 0.8 alpha
    QCOMPARE(qAlpha(overlay.pixel(0, 0)), 0);
    QVERIFY(ui::saliencyOverlay(s, 30, 30, 1).isNull());
  }
};

QTEST_MAIN(WidgetsTest)
#include "test_widgets.moc"
