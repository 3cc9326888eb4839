#include "ui/textinspectorpanel.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSplitter>
#include <QVBoxLayout>

#include "core/data/dataset.h"
#include "core/task/task_info.h"
#include "ui/categorybarchart.h"
#include "ui/datalabels.h"
#include "ui/gatebarchart.h"
#include "ui/routinghistoryview.h"
#include "ui/sessioncontroller.h"
#include "ui/testsetfilter.h"
#include "ui/tokenroutingview.h"

namespace moe::ui {

namespace {
constexpr int kMaxListed = 500;   // enough to browse; the count says how many match
constexpr int kDebounceMs = 150;  // typing: inspect once the keys pause this long
}  // namespace

TextInspectorPanel::TextInspectorPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  mFilter = new TestSetFilter(tr("Language:"), tr("All languages"), QStringLiteral("languageFilter"), this);
  mFilter->setExpertToolTip(tr("Texts whose tokens went mostly to this expert (among their top-k)"));

  mList = new QListWidget(this);
  mList->setWordWrap(false);
  mList->setTextElideMode(Qt::ElideRight);
  mList->setMinimumWidth(260);
  mList->setUniformItemSizes(true);

  mTyped = new QLineEdit(this);
  mTyped->setObjectName(QStringLiteral("typedText"));
  mTyped->setPlaceholderText(tr("Type any sentence: its routing and language follow as you type"));
  mTyped->setClearButtonEnabled(true);
  QFont typedFont = mTyped->font();
  typedFont.setPointSize(typedFont.pointSize() + 3);
  mTyped->setFont(typedFont);
  mSummary = new QLabel(tr("Pick a text on the left or type one above."), this);
  mSummary->setWordWrap(true);
  mSummary->setTextFormat(Qt::RichText);
  QFont big = mSummary->font();
  big.setPointSize(big.pointSize() + 3);
  mSummary->setFont(big);
  mRouting = new TokenRoutingView(this);
  mPrediction = new CategoryBarChart(tr("Language probabilities"), tr("probability"), this);
  mGate = new GateBarChart(this);
  mGate->setTitle(tr("Experts over the tokens"));
  mHistory = new RoutingHistoryView(this);
  mHistory->hide();  // shown with a test text

  auto* detail = new QWidget(this);
  auto* grid = new QGridLayout(detail);
  grid->addWidget(mTyped, 0, 0, 1, 2);
  grid->addWidget(mSummary, 1, 0, 1, 2);
  grid->addWidget(mRouting, 2, 0, 1, 2);
  grid->addWidget(mPrediction, 3, 0);
  grid->addWidget(mGate, 3, 1);
  grid->setRowStretch(2, 2);
  grid->addWidget(mHistory, 4, 0, 1, 2);
  grid->setRowStretch(3, 2);
  grid->setRowStretch(4, 1);

  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(mList);
  split->addWidget(detail);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(mFilter);
  layout->addWidget(split, 1);

  mDebounce.setSingleShot(true);
  mDebounce.setInterval(kDebounceMs);
  connect(&mDebounce, &QTimer::timeout, this, [this] { inspectTyped(mTyped->text()); });
  connect(mTyped, &QLineEdit::textEdited, this, [this] { mDebounce.start(); });
  connect(mFilter, &TestSetFilter::changed, this, [this] { refreshList(); });
  connect(mList, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (item) showInput(item->data(Qt::UserRole).toInt());
  });
  connect(controller, &SessionController::sessionReady, this, [this] {
    mReport.reset();
    mInspection.reset();
    mCurrent = -1;
    mRouting->clear();
    mPrediction->clearBars();
    mGate->clearGate();
    refreshHistory();
    rebuildFilters();
    refreshList();
    if (mTypedMode && isVisible()) reinspect();
  });
  connect(controller, &SessionController::evalAppended, this, [this] {
    mReport = mController->latestEval();
    refreshHistory();
    if (!isVisible()) {
      mListStale = true;
      return;
    }
    refreshList();
    reinspect();  // the model moved on: show what it does now
  });
  connect(controller, &SessionController::inspectionReady, this, [this](const core::Inspection& in) {
    if (!mTypedMode && in.index == mCurrent && !in.text.empty()) display(in, false);
  });
  connect(controller, &SessionController::textInspectionReady, this, [this](const core::Inspection& in) {
    if (mTypedMode) display(in, true);
  });
  rebuildFilters();
}

QString TextInspectorPanel::className(int cls) const {
  const auto data = mController->data();
  return data ? classLabel(data->test, cls) : QString::number(cls);
}

void TextInspectorPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (!mListStale) return;
  mListStale = false;
  refreshList();
  reinspect();
}

void TextInspectorPanel::rebuildFilters() {
  QStringList names;
  const auto data = mController->data();
  if (data && inspectsText())
    for (int c = 0; c < data->test.classes; ++c) names << className(c);
  mFilter->rebuild(names, mController->config().model.routedExperts());
  mGate->setSharedExperts(mController->config().model.sharedExperts);
}

bool TextInspectorPanel::inspectsText() const {
  return mController->task().view == core::InspectorView::Text;
}

void TextInspectorPanel::setFilter(int cls, int expert, bool misclassifiedOnly) {
  mFilter->set(cls, expert, misclassifiedOnly);
  refreshList();
}

void TextInspectorPanel::refreshList() {
  mListStale = false;
  mMatches.clear();
  const QSignalBlocker block(mList);
  mList->clear();
  const auto data = mController->data();
  if (!data || !inspectsText()) {
    mFilter->setCountText(tr("No text data loaded"));
    return;
  }
  const core::Dataset& test = data->test;
  const core::EvalReport* r = mReport.get();
  const bool havePredictions = r && int(r->predictions.size()) >= test.rows();
  mMatches = mFilter->matches(test, r);
  mFilter->showCount(tr("%n text(s)", nullptr, int(mMatches.size())), int(mMatches.size()), kMaxListed, r);
  for (int n = 0; n < std::min<int>(kMaxListed, int(mMatches.size())); ++n) {
    const int i = mMatches[std::size_t(n)];
    const int label = i < int(test.labels.size()) ? test.labels[std::size_t(i)] : -1;
    QString snippet = QString::fromStdString(test.texts[std::size_t(i)]).simplified();
    QString prefix = QStringLiteral("[%1] ").arg(QString::fromStdString(test.classNames[std::size_t(std::max(0, label))]));
    if (havePredictions && r->predictions[std::size_t(i)] != label)
      prefix = QStringLiteral("[%1→%2] ").arg(QString::fromStdString(test.classNames[std::size_t(std::max(0, label))]),
                                                  className(r->predictions[std::size_t(i)]).section(QLatin1Char(' '), 0, 0));
    auto* item = new QListWidgetItem(prefix + snippet.left(160), mList);
    item->setData(Qt::UserRole, i);
    item->setToolTip(snippet.left(1000));
    if (i == mCurrent) mList->setCurrentItem(item);
  }
}

void TextInspectorPanel::showInput(int testIndex) {
  const auto data = mController->data();
  if (!data || !inspectsText() || testIndex < 0 || testIndex >= data->test.rows()) return;
  mTypedMode = false;
  mCurrent = testIndex;
  mSummary->setText(tr("Text #%1 · true language: %2 · inspecting…").arg(testIndex).arg(className(data->test.labels[std::size_t(testIndex)])));
  refreshHistory();
  mController->requestInspection(testIndex);
}

void TextInspectorPanel::refreshHistory() {
  // A typed text was never evaluated: the space goes to its tokens.
  const bool testText = !mTypedMode && mCurrent >= 0;
  mHistory->setVisible(testText);
  if (testText)
    mHistory->showHistory(mReport ? mReport->routingHistory.get() : nullptr, mCurrent);
  else
    mHistory->clear();
}

void TextInspectorPanel::inspectTyped(const QString& text) {
  mDebounce.stop();
  mTypedMode = true;
  mCurrent = -1;
  if (mTyped->text() != text) mTyped->setText(text);
  const QSignalBlocker block(mList);
  mList->clearSelection();
  mList->setCurrentItem(nullptr);
  refreshHistory();
  mController->requestTextInspection(text);
}

void TextInspectorPanel::reinspect() {
  if (mTypedMode)
    mController->requestTextInspection(mTyped->text());
  else if (mCurrent >= 0)
    mController->requestInspection(mCurrent);
}

void TextInspectorPanel::display(const core::Inspection& in, bool typed) {
  mInspection = in;
  ++mShown;
  const auto data = mController->data();
  const int experts = mController->config().model.routedExperts();
  mRouting->setRouting(in, experts);
  mGate->setTokenShares(in.gateProbs, in.chosen, in.chosenGates);
  QStringList names;
  std::vector<double> probs;
  std::vector<QColor> colors;
  const bool right = in.predicted == in.label;
  for (std::size_t c = 0; c < in.prediction.size(); ++c) {
    names << (data && c < data->test.classNames.size() ? QString::fromStdString(data->test.classNames[c]) : QString::number(c));
    probs.push_back(double(in.prediction[c]));
    const bool predicted = int(c) == in.predicted;
    colors.push_back(!predicted ? QColor(170, 185, 205)
                     : typed || right ? QColor(89, 161, 79) : QColor(225, 87, 89));
  }
  mPrediction->setBars(names, probs, colors, typed ? -1 : in.label);
  const double conf = in.predicted >= 0 && in.predicted < int(in.prediction.size()) ? double(in.prediction[std::size_t(in.predicted)]) : 0.0;
  QString text;
  if (typed) {
    text = in.tokens.empty() ? tr("Typed text: no tokens yet (the prediction is the model's bias)")
                             : tr("Typed text · %1 n-grams · predicted: <b>%2</b> (%3%)")
                                   .arg(in.tokens.size()).arg(className(in.predicted)).arg(conf * 100, 0, 'f', 1);
  } else {
    text = tr("Text #%1 · %2 n-grams · true: <b>%3</b> · predicted: <b>%4</b> (%5%) %6")
               .arg(in.index).arg(in.tokens.size())
               .arg(className(in.label), className(in.predicted))
               .arg(conf * 100, 0, 'f', 1)
               .arg(right ? tr("<span style='color:#2a8a2a'>✔ correct</span>")
                          : tr("<span style='color:#c02020'>✘ wrong</span>"));
  }
  if (in.dropped) text += tr(" · <span style='color:#c02020'>tokens dropped by capacity</span>");
  if (!in.note.empty()) text += QStringLiteral(" · ") + QString::fromStdString(in.note).toHtmlEscaped();
  mSummary->setText(text);
}

}  // namespace moe::ui
