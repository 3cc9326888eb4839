#pragma once
#include <QWidget>

class QLabel;
class QTableWidget;

namespace moe::core {
class RoutingHistory;
}

namespace moe::ui {

/**
 * "Routing across evaluations": for one test input, one row per kept evaluation (oldest
 * first) with its step, the router's top-k experts in the experts' colours, the top-1 gate
 * and the top-k margin; the evaluations where the first choice changed are highlighted.
 */
class RoutingHistoryView : public QWidget {
  Q_OBJECT

 public:
  /** Columns of table(): step, one per choice (from 1), then gate, margin and change. */
  enum Column { StepColumn = 0, FirstChoiceColumn = 1 };

  explicit RoutingHistoryView(QWidget* parent = nullptr);

  /** Shows `row`'s history in `history` (null or a row outside it: says so and shows none). */
  void showHistory(const core::RoutingHistory* history, int row);
  /** Empties the view (no input, or the model was replaced). */
  void clear();

  /** The table on display, for tests: Qt::UserRole holds the step (step column), the expert
   *  index (choice columns) and whether the first choice changed (last column). */
  QTableWidget* table() const { return mTable; }
  int choices() const { return mChoices; }
  QString titleText() const;

 private:
  QLabel* mTitle;
  QTableWidget* mTable;
  int mChoices = 0;
};

}  // namespace moe::ui
