// Plots a class can read from the back of the room: legends beside the curves, not on them;
// x tick labels that do not run together; readable ranges for flat series; heatmap numbers
// that fit their cells, a colour scale that ends where the cells can end, and a title that
// says how much the mutual information could be.
#include <QFontMetrics>
#include <QStandardPaths>
#include <QtTest>

#include "ui/heatmapwidget.h"
#include "ui/seriesplot.h"

using namespace moe;

namespace {

// Shows the plot at a size and lets the layout and the (rate-limited) replot happen.
void showAt(QWidget& w, int width, int height) {
  w.resize(width, height);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QTest::qWait(600);
}

}  // namespace

class PlotsTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void flatSeriesGetAReadableRange() {
    using ui::SeriesPlot;
    QCOMPARE(SeriesPlot::readableRange(0, 0), QCPRange(0, 1));          // was -2..2 or worse
    QCOMPARE(SeriesPlot::readableRange(5, 5), QCPRange(4.5, 5.5));
    QCOMPARE(SeriesPlot::readableRange(-3, -3), QCPRange(-3.5, -2.5));
    QCOMPARE(SeriesPlot::readableRange(2000, 2000), QCPRange(1800, 2200));
    const QCPRange r = SeriesPlot::readableRange(1.0, 3.0);
    QCOMPARE(r.lower, 0.9);
    QCOMPARE(r.upper, 3.1);
    QCOMPARE(SeriesPlot::readableRange(0.0, 2.0).lower, 0.0);  // counts keep zero as the floor
  }

  void aConstantCurveIsDrawnFlatNearItsValue() {
    ui::SeriesPlot plot(QStringLiteral("Imbalance"), QStringLiteral("step"), QStringLiteral("value"));
    const int s = plot.addSeries(QStringLiteral("dropped fraction"), Qt::red);
    for (int i = 1; i <= 200; ++i) plot.append(s, i, 0.0);
    plot.refresh();
    showAt(plot, 420, 320);
    QCOMPARE(plot.yAxis->range(), QCPRange(0, 1));
  }

  void legendSitsBesideTheCurvesNotOnThem() {
    ui::SeriesPlot plot(QStringLiteral("Auxiliary losses"), QStringLiteral("step"), QStringLiteral("value"));
    for (const char* name : {"Switch balance", "importance CV²", "load CV²", "weighted total", "router z-loss"}) {
      const int s = plot.addSeries(QString::fromUtf8(name), Qt::darkBlue);
      for (int i = 1; i <= 50; ++i) plot.append(s, i, double(i % 7));
    }
    showAt(plot, 420, 360);
    QVERIFY(plot.legend->visible());
    QVERIFY2(!plot.legend->outerRect().intersects(plot.axisRect()->rect()),
             "the legend overlaps the area the curves are drawn in");
    // Every entry whole: the legend fits the plot's width.
    QVERIFY2(plot.legend->outerRect().width() <= plot.width(), "legend entries are cut off");
  }

  void xTickLabelsDoNotRunTogether() {
    ui::SeriesPlot plot(QStringLiteral("Loss"), QStringLiteral("step"), QStringLiteral("loss"));
    const int s = plot.addSeries(QStringLiteral("train"), Qt::blue);
    for (int i = 1; i <= 5000; i += 10) plot.append(s, i, 1.0 / i);
    showAt(plot, 280, 260);  // the narrowest a plot gets
    const QFontMetrics fm(plot.xAxis->tickLabelFont());
    int used = 0;
    for (const QString& label : plot.xAxis->tickVectorLabels()) used += fm.horizontalAdvance(label) + fm.horizontalAdvance(QLatin1Char(' ')) * 2;
    QVERIFY2(plot.xAxis->tickVector().size() >= 2, "too few ticks to read the axis");
    QVERIFY2(used <= plot.axisRect()->width(), qPrintable(plot.xAxis->tickVectorLabels().join(QLatin1Char('|'))));
  }

  void heatmapNumbersFitTheirCells() {
    ui::HeatmapWidget map;
    const int classes = 10;
    const int experts = 16;
    std::vector<std::int64_t> counts(std::size_t(classes * experts), 0);
    QStringList names;
    for (int c = 0; c < classes; ++c) {
      names << QStringLiteral("class %1").arg(c);
      counts[std::size_t(c * experts + c)] = 100;  // every class all on one expert: "100"
    }
    map.setCounts(names, experts, counts, 2.0, QStringLiteral("test @ 10"));
    showAt(map, 480, 380);
    const double cellWidth = double(map.axisRect()->width()) / experts;
    QVERIFY2(QFontMetricsF(map.cellFont()).horizontalAdvance(QStringLiteral("100")) <= cellWidth,
             qPrintable(QStringLiteral("cell %1 px").arg(cellWidth)));
    QVERIFY(map.cellNumbersShown());
    // The expert names under the columns do not run together either.
    const QFontMetrics fm(map.xAxis->tickLabelFont());
    int used = 0;
    for (const QString& label : map.xAxis->tickVectorLabels()) used += fm.horizontalAdvance(label + QLatin1Char(' '));
    QVERIFY2(used <= map.axisRect()->width(), qPrintable(map.xAxis->tickVectorLabels().join(QLatin1Char('|'))));
    // Too narrow for any readable number: the colours speak alone.
    map.resize(200, 380);
    QTest::qWait(300);
    QVERIFY(!map.cellNumbersShown());
  }

  void heatmapScaleEndsWhereCellsCanEndAndTitleSaysTheMost() {
    ui::HeatmapWidget map;
    map.setScaleMax(0.5);  // top-2: a class all on one expert is half of its routings
    std::vector<std::int64_t> counts(std::size_t(10 * 8), 1);
    QStringList names;
    for (int c = 0; c < 10; ++c) names << QStringLiteral("c%1").arg(c);
    map.setCounts(names, 8, counts, 1.45, QStringLiteral("test @ 469"));
    QCOMPARE(map.scaleMax(), 0.5);
    const QString title = map.shownTitle();
    QVERIFY2(title.contains(QStringLiteral("1.45 of 3.00 bits")), qPrintable(title));  // min(log2 10, log2 8)
    QVERIFY2(title.contains(QLatin1Char('\n')), "the title should be two short lines");
    for (const QString& line : title.split(QLatin1Char('\n'))) QVERIFY2(line.size() <= 40, qPrintable(line));
  }
};

QTEST_MAIN(PlotsTest)
#include "test_plots.moc"
