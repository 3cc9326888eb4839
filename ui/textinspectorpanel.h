#pragma once
#include <memory>
#include <optional>
#include <vector>

#include <QTimer>
#include <QWidget>

#include "core/train/inspection.h"
#include "core/train/metrics.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;

namespace moe::ui {

class TestSetFilter;

class CategoryBarChart;
class GateBarChart;
class RoutingHistoryView;
class SessionController;
class TokenRoutingView;

/**
 * The inspector for text datasets: browse the test texts (filtered by language, by expert or
 * misclassified only, from the latest evaluation), see one text with every character coloured
 * by the expert its n-grams went to, the language probabilities against the true language,
 * and the mean gate. A box takes any sentence: its routing and prediction follow the typing
 * (debounced, inspected on the trainer thread).
 */
class TextInspectorPanel : public QWidget {
  Q_OBJECT

 public:
  explicit TextInspectorPanel(SessionController* controller, QWidget* parent = nullptr);

  /** cls or expert -1 = any. */
  void setFilter(int cls, int expert, bool misclassifiedOnly);
  /** Shows one test text and asks the trainer to inspect it. */
  void showInput(int testIndex);
  /** Shows the routing of any text (what typing into the box does, without the delay). */
  void inspectTyped(const QString& text);

  const std::vector<int>& matches() const { return mMatches; }
  const std::optional<core::Inspection>& inspection() const { return mInspection; }
  /** Number of inspections shown so far (typed or test), for tests. */
  int inspectionsShown() const { return mShown; }
  QLineEdit* typingBox() const { return mTyped; }
  QListWidget* list() const { return mList; }
  TokenRoutingView* routingView() const { return mRouting; }
  CategoryBarChart* predictionChart() const { return mPrediction; }
  GateBarChart* gateChart() const { return mGate; }
  RoutingHistoryView* routingHistory() const { return mHistory; }

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  /// The session's task has a text inspector (test texts and typed text).
  bool inspectsText() const;
  void rebuildFilters();
  void refreshList();
  void reinspect();
  void display(const core::Inspection& in, bool typed);
  /** The selected test text's routing across evaluations (none for typed text). */
  void refreshHistory();
  QString className(int cls) const;

  SessionController* mController;
  TestSetFilter* mFilter;
  QListWidget* mList;
  QLineEdit* mTyped;
  QLabel* mSummary;
  TokenRoutingView* mRouting;
  CategoryBarChart* mPrediction;
  GateBarChart* mGate;
  RoutingHistoryView* mHistory;
  QTimer mDebounce;

  std::shared_ptr<const core::EvalReport> mReport;
  std::vector<int> mMatches;
  int mCurrent = -1;     // test row on display, -1 when the typed text is
  bool mTypedMode = false;
  std::optional<core::Inspection> mInspection;
  bool mListStale = false;
  int mShown = 0;
};

}  // namespace moe::ui
