// What a newcomer meets in the setup panel and the empty plots: a typed value a box refuses
// is said aloud (and what is shown is what runs), picking a dataset says what it did, the
// preset box says when the dataset sets the model, Restore defaults puts the tuned settings
// back, one Reset, and every empty plot says what will appear there and how.
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QtTest>

#include "tests/core/dataset_skips.h"
#include "tests/ui/window_fixture.h"
#include "core/train/presets.h"
#include "ui/controlbar.h"
#include "ui/heatmapwidget.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/loadplot.h"
#include "ui/plotview.h"
#include "ui/seriesplot.h"
#include "ui/sessioncontroller.h"
#include "ui/setuppanel.h"
#include "ui/trainingpanel.h"

using namespace moe;

class SettingsFeedbackTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  ui::SessionController* c() const { return mWindow->controller(); }
  ui::SetupPanel* setup() const { return mWindow->setupPanel(); }

  // Types text into a spin box as a user does: select all, type, Enter.
  static void typeInto(QAbstractSpinBox* box, const QString& text) {
    box->setFocus();
    QTRY_VERIFY(box->hasFocus());
    box->selectAll();
    QTest::keyClicks(box, text);
    QTest::keyClick(box, Qt::Key_Return);
  }

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QStandardPaths::setTestModeEnabled(true);
    core::TrainConfig config = moe::testing::longRunConfig();
    QVERIFY(moe::testing::openWindow(mWindow, config));
  }
  void cleanupTestCase() { delete mWindow; }

  void emptyPlotsSayWhatAppearsAndHow() {
    for (ui::PlotView* p : {static_cast<ui::PlotView*>(mWindow->trainingPanel()->lossPlot()),
                            static_cast<ui::PlotView*>(mWindow->trainingPanel()->accuracyPlot()),
                            static_cast<ui::PlotView*>(mWindow->trainingPanel()->loadPlot()),
                            static_cast<ui::PlotView*>(mWindow->trainingPanel()->imbalancePlot()),
                            static_cast<ui::PlotView*>(mWindow->trainingPanel()->auxPlot())})
      QVERIFY2(p->emptyHintShown(), qPrintable(p->title()));
    QVERIFY(mWindow->trainingPanel()->heatmap()->shownTitle().contains(QStringLiteral("Play")));
    c()->stepBatch();
    QTRY_VERIFY_WITH_TIMEOUT(!mWindow->trainingPanel()->lossPlot()->emptyHintShown(), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Paused, 20000);
  }

  void anOutOfRangeLearningRateIsRefusedAloud() {
    QDoubleSpinBox* lr = setup()->learningRateBox();
    const double before = lr->value();
    mWindow->banner()->hide();
    typeInto(lr, QStringLiteral("100"));
    QTRY_VERIFY(mWindow->banner()->isVisible());
    const QString text = mWindow->banner()->text();
    QVERIFY2(text.contains(QStringLiteral("Learning rate")) && text.contains(QStringLiteral("100")) &&
                 text.contains(QStringLiteral(" 10")),
             qPrintable(text));
    QCOMPARE(lr->value(), before);              // refused, not clamped to 10 in silence
    QCOMPARE(lr->locale().toDouble(lr->cleanText()), before);  // the box shows the value kept
    QCOMPARE(c()->config().optim.lr, lr->value());    // and that is what trains
  }

  void anOutOfRangeIntegerIsRefusedAloud() {
    auto* experts = setup()->findChild<QSpinBox*>(QStringLiteral("experts"));
    QVERIFY(experts);
    const int before = experts->value();
    mWindow->banner()->hide();
    typeInto(experts, QStringLiteral("999"));
    QTRY_VERIFY(mWindow->banner()->isVisible());
    QVERIFY2(mWindow->banner()->text().contains(QStringLiteral("Experts takes 1 to 256")),
             qPrintable(mWindow->banner()->text()));
    QCOMPARE(experts->value(), before);
    QCOMPARE(setup()->config().model.experts, before);
  }

  void pickingADatasetSaysWhatItDid() {
    auto* dataset = setup()->findChild<QComboBox*>(QStringLiteral("dataset"));
    QVERIFY(dataset);
    mWindow->banner()->hide();
    const int text = dataset->findData(QStringLiteral("fortunes-langid"));
    QVERIFY(text >= 0);
    dataset->setCurrentIndex(text);
    QVERIFY(mWindow->banner()->isVisible());
    QVERIFY2(mWindow->banner()->text().contains(QStringLiteral("Apply")), qPrintable(mWindow->banner()->text()));
    // The text task has one model: the preset box says so instead of an image preset.
    auto* preset = setup()->findChild<QComboBox*>(QStringLiteral("modelPreset"));
    QVERIFY(preset);
    QVERIFY(!preset->isEnabled());
    QCOMPARE(preset->currentIndex(), -1);
    QVERIFY2(preset->placeholderText().contains(QStringLiteral("dataset")), qPrintable(preset->placeholderText()));
    dataset->setCurrentIndex(dataset->findData(QStringLiteral("fashion-mnist")));
    QVERIFY(preset->isEnabled());
    QVERIFY(preset->currentIndex() >= 0);
    QCOMPARE(int(setup()->config().model.kind), int(core::presetFor("fashion-mnist").model.kind));
  }

  void restoreDefaultsPutsBackTheTunedSettings() {
    auto* experts = setup()->findChild<QSpinBox*>(QStringLiteral("experts"));
    const int tuned = core::presetFor("fashion-mnist").model.experts;
    experts->setValue(tuned == 3 ? 5 : 3);
    auto* restore = setup()->findChild<QPushButton*>(QStringLiteral("restoreDefaults"));
    QVERIFY(restore);
    restore->click();
    QCOMPARE(experts->value(), tuned);
    QVERIFY(mWindow->banner()->text().contains(QStringLiteral("Apply")));
  }

  void thereIsOneReset() {
    // The toolbar's Reset (Ctrl+R) restarts the run; the setup panel has no second one.
    for (QPushButton* b : setup()->findChildren<QPushButton*>())
      QVERIFY2(b->text() != QStringLiteral("Reset"), "a second Reset button");
    QVERIFY(mWindow->controlBar()->resetAction()->isVisible());
  }
};

QTEST_MAIN(SettingsFeedbackTest)
#include "test_settingsfeedback.moc"
