#pragma once
#include <vector>

#include <QString>
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;

namespace moe::core {
struct Dataset;
struct EvalReport;
}  // namespace moe::core

namespace moe::ui {

/**
 * The filter bar over a test split, shared by the image and text inspectors: a class (or
 * language) box, an expert box, "misclassified only", and a count on the right. Emits changed()
 * when the user changes a filter; matches() applies the filters to the latest evaluation.
 */
class TestSetFilter : public QWidget {
  Q_OBJECT

 public:
  /** classLabel: "Class:" or "Language:"; allClasses: the box's first entry ("All classes"). */
  TestSetFilter(const QString& classLabel, const QString& allClasses, const QString& classObjectName,
                QWidget* parent = nullptr);

  /** Fills the boxes for these classes and experts; the selection goes back to "All". */
  void rebuild(const QStringList& classNames, int experts);
  /** Selects a class, an expert (-1: any) and the misclassified switch without emitting changed(). */
  void set(int cls, int expert, bool misclassifiedOnly);
  int cls() const;
  int expert() const;
  bool misclassifiedOnly() const;
  void setExpertToolTip(const QString& text);
  void setCountText(const QString& text);
  /** The count on the right: "N inputs" (counted, already translated by the caller), that only
   *  the first `limit` are listed when more match, and the evaluation the filters used; or
   *  that an evaluation is needed when an expert or misclassified filter has none. */
  void showCount(const QString& counted, int matches, int limit, const core::EvalReport* report);

  /**
   * Test rows passing the filters: of the class, routed to the expert (among the report's k
   * choices) and misclassified, as asked. Expert and misclassified filters need a report; without
   * one they match nothing.
   */
  std::vector<int> matches(const core::Dataset& test, const core::EvalReport* report) const;

 Q_SIGNALS:
  void changed();

 private:
  QString mAll;
  QComboBox* mClass;
  QComboBox* mExpert;
  QCheckBox* mMisclassified;
  QLabel* mCount;
};

}  // namespace moe::ui
