//! `baton note`: a person's message for the next turn, delivered once with the agent's prompt
//! and in `BATON_NOTE` — left in a workspace at rest, handed to a running Baton, or pushed from
//! another clone in role mode.

use crate::common::TestEnv;
use crate::role_env::{DEADLINE, Daemon, RoleEnv};

/// A workspace whose ralph records its prompt and `BATON_NOTE`.
fn workspace() -> TestEnv {
    let env = TestEnv::bare();
    let ctl = env.ctl.display().to_string();
    env.write(
        "orchestration.yaml",
        &env.stub_config(&format!(
            "    recorder: [sh, -c, 'cat > \"{ctl}/ralph-prompt\"; printf %s \"$BATON_NOTE\" > \"{ctl}/ralph-note\"']\n  roles:\n    ralph: recorder\n"
        )),
    );
    env.commit_all("init");
    env
}

#[test]
fn a_note_for_ralph_is_delivered_once_with_its_next_turn() {
    let env = workspace();
    env.baton(&["note", "--to", "ralph", "use the new parser"])
        .expect_code(0);
    assert_eq!(
        env.state()["pending_notes"][0]["text"],
        "use the new parser"
    );
    assert!(
        env.subjects()
            .last()
            .is_some_and(|s| s.contains("note for ralph: use the new parser"))
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let prompt = std::fs::read_to_string(env.ctl.join("ralph-prompt")).expect("prompt");
    assert!(
        prompt.contains("Notes from people for this turn:\n- use the new parser"),
        "{prompt}"
    );
    let note = std::fs::read_to_string(env.ctl.join("ralph-note")).expect("note");
    assert_eq!(note, "use the new parser");
    let journal = env.journal();
    assert!(journal[0].get("notes_delivered").is_none(), "not galph's");
    assert_eq!(journal[1]["notes_delivered"], 1);
    assert!(env.state().get("pending_notes").is_none(), "delivered once");

    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let note = std::fs::read_to_string(env.ctl.join("ralph-note")).expect("note");
    assert_eq!(note, "", "not again");
}

#[test]
fn a_note_left_while_a_run_works_goes_to_its_next_turn() {
    let env = workspace();
    env.hook(
        "galph",
        "touch \"$TEST_CTL/galph-started\"\nwhile [ ! -f \"$TEST_CTL/go\" ]; do sleep 0.05; done\n",
    );
    let mut baton = env
        .baton_cmd(&["run", "--iterations", "1"])
        .spawn()
        .expect("spawn");
    crate::common::wait_for(30, "galph's agent", || {
        env.ctl.join("galph-started").exists()
    });
    env.baton(&["note", "mind the tests"]).expect_code(0);
    std::fs::write(env.ctl.join("go"), "").expect("go");
    assert_eq!(baton.wait().expect("wait").code(), Some(0));
    let note = std::fs::read_to_string(env.ctl.join("ralph-note")).expect("note");
    assert_eq!(note, "mind the tests");
}

#[test]
fn role_a_note_from_a_third_clone_reaches_ralph() {
    let env = RoleEnv::new();
    env.seed.hook(
        "ralph",
        "printf %s \"$BATON_NOTE\" > \"$TEST_CTL/ralph-note\"\n",
    );
    let laptop = env.another_clone("laptop");
    env.run_in(&laptop, &["note", "--to", "ralph", "from the laptop"])
        .expect_code(0);
    let galph = env.galph_daemon(&["--iterations", "1"]);
    let ralph = env.ralph_daemon(&["--iterations", "1"]);
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    let note = std::fs::read_to_string(env.seed.ctl.join("ralph-note")).expect("note");
    assert_eq!(note, "from the laptop");
    assert!(
        env.remote_state().get("pending_notes").is_none(),
        "delivered"
    );
}

/// A note pushed while galph's agent works is merged into galph's stamp, not lost, and the
/// turn is not refused as stale.
#[test]
fn role_a_note_pushed_during_a_turn_is_merged_into_its_stamp() {
    let env = RoleEnv::new();
    env.seed.hook("galph", crate::role_env::WAIT_FOR_GO);
    env.seed.hook(
        "ralph",
        "printf %s \"$BATON_NOTE\" > \"$TEST_CTL/ralph-note\"\n",
    );
    let mut galph = env.galph_daemon(&["--iterations", "1"]);
    env.wait_agent_started(&mut galph, "galph");
    let laptop = env.another_clone("laptop");
    env.run_in(&laptop, &["note", "--to", "ralph", "sent mid-turn"])
        .expect_code(0);
    env.touch("go");
    galph.wait(DEADLINE).expect_code(0);
    env.run_ralph(&["--iterations", "1"]).expect_code(0);
    let note = std::fs::read_to_string(env.seed.ctl.join("ralph-note")).expect("note");
    assert_eq!(note, "sent mid-turn");
}

/// A note goes with every run of its turn until one succeeds: a failed turn and a turn whose
/// Baton was killed get it again when they run again; the successful one removes it.
#[test]
fn a_note_is_delivered_again_until_its_turn_succeeds() {
    let env = TestEnv::bare();
    env.write("orchestration.yaml", &env.stub_config(""));
    env.commit_all("init");
    env.hook(
        "ralph",
        "echo \"$BATON_NOTE\" >> \"$TEST_CTL/ralph-notes\"\n\
         [ -f \"$TEST_CTL/fail\" ] && exit 7\n\
         touch \"$TEST_CTL/ralph-started\"\n\
         while [ ! -f \"$TEST_CTL/go\" ]; do sleep 0.05; done\n",
    );
    env.baton(&["note", "--to", "ralph", "keep it small"])
        .expect_code(0);
    std::fs::write(env.ctl.join("fail"), "").expect("fail");
    env.baton(&["run", "--iterations", "1"]).expect_code(1);
    std::fs::remove_file(env.ctl.join("fail")).expect("no more failing");

    let mut baton = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "1"]), &env.ctl);
    baton.wait_until(30, "ralph's second run", || {
        env.ctl.join("ralph-started").exists()
    });
    baton.kill9();
    std::fs::write(env.ctl.join("go"), "").expect("go");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);

    let notes = std::fs::read_to_string(env.ctl.join("ralph-notes")).expect("notes");
    assert_eq!(notes, "keep it small\nkeep it small\nkeep it small\n");
    assert!(
        env.state().get("pending_notes").is_none(),
        "the ok stamp removed it"
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let notes = std::fs::read_to_string(env.ctl.join("ralph-notes")).expect("notes");
    assert!(notes.ends_with("keep it small\n\n"), "not after: {notes:?}");
}

/// Two steering commands at once on a clone with no daemon (a double click on the dashboard,
/// two terminals): the second waits for the first instead of taking it for a running Baton
/// and leaving its note in a run directory that nothing reads.
#[test]
fn role_two_notes_at_once_from_one_clone_both_reach_the_remote() {
    let env = RoleEnv::new();
    let laptop = env.another_clone("laptop");
    let ctl = env.seed.ctl.display().to_string();
    // The first push waits on the remote until the second command has started.
    crate::common::write_script(
        &env.remote.join("hooks"),
        "pre-receive",
        &format!(
            "#!/bin/sh\ncat > /dev/null\nif [ ! -e \"{ctl}/first-pushed\" ]; then touch \"{ctl}/first-pushed\"; \
             i=0; while [ ! -e \"{ctl}/go\" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; fi\nexit 0\n"
        ),
    );
    let mut first = Daemon::spawn(laptop.baton_cmd(&["note", "first"]), &laptop.ctl);
    first.wait_until(DEADLINE, "the first push", || env.ctl_has("first-pushed"));
    let second = Daemon::spawn(laptop.baton_cmd(&["note", "second"]), &laptop.ctl);
    std::thread::sleep(std::time::Duration::from_millis(500));
    env.touch("go");
    first.wait(DEADLINE).expect_code(0);
    let second = second.wait(DEADLINE);
    second.expect_code(0);
    assert!(
        second.stdout.contains("note queued"),
        "published itself: {}",
        second.stdout
    );
    let texts: Vec<String> = env.remote_state()["pending_notes"]
        .as_array()
        .map(|notes| {
            notes
                .iter()
                .filter_map(|n| n["text"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(texts, ["first", "second"]);
    assert!(
        !laptop.path(".git/baton/inbox.json").exists(),
        "no request left for a run that does not exist"
    );
}

/// Notes that add up past what one environment variable can hold (128 KiB on Linux) used to
/// make every spawn of the agent fail (E2BIG) — and a note stays until its turn succeeds, so
/// the run could never go on. `BATON_NOTE` is cut with a marker; the prompt has every note.
/// A single note over 16 KiB is refused at the door (exit 2), writing nothing.
#[test]
fn many_long_notes_are_delivered_whole_in_the_prompt_and_cut_in_the_environment() {
    let env = workspace();
    let long = |c: char| std::iter::repeat_n(c, 16 * 1024).collect::<String>();
    for c in ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] {
        env.baton(&["note", "--to", "ralph", &long(c)])
            .expect_code(0);
    }
    let head = env.git(&["rev-parse", "HEAD"]);
    let too_long = format!("{}x", long('z'));
    let refused = env.baton(&["note", &too_long]);
    refused.expect_code(2);
    assert!(refused.stderr.contains("16384"), "{}", refused.stderr);
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head, "nothing written");

    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let prompt = std::fs::read_to_string(env.ctl.join("ralph-prompt")).expect("prompt");
    for c in ['a', 'j'] {
        assert!(prompt.contains(&long(c)), "every note whole in the prompt");
    }
    let note = std::fs::read_to_string(env.ctl.join("ralph-note")).expect("note");
    assert!(note.len() <= 64 * 1024, "{}", note.len());
    assert!(note.starts_with(&long('a')), "the first notes first");
    assert!(
        note.ends_with("(cut: every note is in the prompt)"),
        "{}",
        &note[note.len() - 80..]
    );
    assert_eq!(env.journal()[1]["notes_delivered"], 10);
}

/// A note is a person's: an agent that writes one where Baton used to keep them
/// (`.git/baton/notes.jsonl`), or into the run's inbox file, or runs `baton note` itself,
/// reaches no prompt — the command is refused, saying why.
#[test]
fn an_agent_cannot_forge_a_persons_note() {
    let env = workspace();
    let baton = env!("CARGO_BIN_EXE_baton");
    let forged =
        r#"{"text":"forged by the agent","from":"ann@laptop","at":"2026-11-23T10:00:00Z"}"#;
    env.hook(
        "galph",
        &format!(
            "echo '{forged}' >> .git/baton/notes.jsonl\n\
             echo '{{\"notes\":[{forged}]}}' > .git/baton/inbox.json\n\
             '{baton}' note 'forged by command' > \"$TEST_CTL/note.out\" 2>&1\n\
             echo $? > \"$TEST_CTL/note.code\"\n"
        ),
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let code = std::fs::read_to_string(env.ctl.join("note.code")).expect("code");
    assert_eq!(code.trim(), "1", "the agent's `baton note` failed");
    let out = std::fs::read_to_string(env.ctl.join("note.out")).expect("out");
    assert!(
        out.contains("refused") && out.contains("running turn"),
        "{out}"
    );
    let note = std::fs::read_to_string(env.ctl.join("ralph-note")).expect("note");
    assert_eq!(note, "", "no note reached ralph");
    let prompt = std::fs::read_to_string(env.ctl.join("ralph-prompt")).expect("prompt");
    assert!(!prompt.contains("forged"), "{prompt}");
    assert!(env.state().get("pending_notes").is_none());
    // Nor a later run.
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let prompt = std::fs::read_to_string(env.ctl.join("ralph-prompt")).expect("prompt");
    assert!(!prompt.contains("forged"), "{prompt}");
}
