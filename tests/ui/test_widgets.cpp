// Widgets with synthetic data: plots, heatmap clicks, gate bars, exports, session files.
#include <cmath>

#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/ui/file_head.h"
#include "ui/gatebarchart.h"
#include "ui/heatmapwidget.h"
#include "ui/loadplot.h"
#include "ui/sampleimage.h"
#include "ui/seriesplot.h"
#include "ui/sessionio.h"

using namespace moe;

using moe::testing::fileHead;

class WidgetsTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
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
    ui::MetricHistory history;
    for (int i = 1; i <= 3; ++i) {
      core::StepMetrics m;
      m.step = i;
      m.loss = 1.0 / i;
      m.accuracy = 0.3 * i;
      m.routing.load = {0.25f, 0.25f, 0.25f, 0.25f};
      history.steps.push_back(m);
    }
    history.steps[1].loss = std::nan("");  // a diverged step survives the round trip
    history.evals.push_back({3, 0, 0.9, 0.7, 0.4, {}});
    QString error;
    const QString path = dir.filePath(QStringLiteral("session.json"));
    QVERIFY2(ui::writeSessionFile(path, config, history, &error), qPrintable(error));
    core::TrainConfig back;
    ui::MetricHistory backHistory;
    QVERIFY2(ui::readSessionFile(path, &back, &backHistory, &error), qPrintable(error));
    QCOMPARE(back.model.experts, 4);
    QCOMPARE(back.optim.lr, 0.005);
    QCOMPARE(int(backHistory.steps.size()), 3);
    QVERIFY(std::isnan(backHistory.steps[1].loss));
    QCOMPARE(backHistory.evals.at(0).accuracy, 0.7);

    const QString csv = dir.filePath(QStringLiteral("metrics.csv"));
    QVERIFY2(ui::exportMetricsCsv(csv, history, &error), qPrintable(error));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines[0].startsWith("step,epoch,"));
    QVERIFY(lines[0].endsWith("load_e3"));
    QVERIFY(lines[3].contains(",0.9,0.7,"));  // test loss and accuracy on the evaluated step
    QVERIFY(!ui::readSessionFile(dir.filePath(QStringLiteral("missing.json")), &back, &backHistory, &error));
    QVERIFY(!ui::writeSessionFile(QStringLiteral("/proc/no/such/dir/session.json"), config, history, &error));
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
