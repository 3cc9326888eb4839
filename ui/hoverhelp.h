#pragma once
#include <string>

#include <QString>

class QWidget;

namespace moe::ui {

/**
 * Hover help a student can follow: for every plotted metric and every setting, what it
 * measures or does, its range, and what a good value looks like.
 */

/** The help of a metric by its key (core::metricKey: "load_cv", "test_accuracy"); empty for
 *  a metric nobody has explained yet (tests/ui/test_hoverhelp fails on it). */
QString metricHelp(const std::string& key);
/** The help of a setting by its form label ("Learning rate", "Top-k"); empty when unknown. */
QString settingHelp(const QString& label);
/** Gives every field of every form under root (and its label) its setting's help as tooltip,
 *  after the field's own tooltip when it has one. */
void addSettingHelp(QWidget* root);

}  // namespace moe::ui
