"""Body extraction, one class of miss each (synthetic pages, no site named): what readers of
the story do not read stays out, what they do read stays in."""

from __future__ import annotations

from newswatch.extract import extract

URL = "https://news.example/2024/05/21/council-story"
PROSE = [
    "The council voted on Tuesday to extend the programme for another year, officials said, "
    "after a debate that lasted most of the afternoon and drew a large crowd to the hall.",
    "Opponents argued that the money would be better spent on roads, while supporters pointed "
    "to the hundreds of families the programme has helped since it began three years ago.",
    "The mayor said the decision showed the town could still agree on big questions, and "
    "promised a review of the spending before the end of the summer recess next year.",
]


def article(extra_inside: str = "", extra_after: str = "", before: str = "", h1: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in PROSE)
    return (
        "<!DOCTYPE html><html><head><title>Council extends programme</title></head><body>"
        f"{before}<div><div><h1>{h1 or 'Council extends programme'}</h1>"
        f"<div>{body}{extra_inside}</div>{extra_after}</div></div></body></html>"
    )


def paragraphs(html: str) -> list[str]:
    return extract(html, URL).paragraphs


def test_a_teaser_list_without_telling_names_is_left_out() -> None:
    cards = "".join(
        f'<li><h3><a href="/2024/05/{i}/other">Another story number {i} about the town</a></h3>'
        f"<p>A short blurb about that other story, for readers to click on.</p></li>"
        for i in range(5)
    )
    got = paragraphs(article(extra_inside=f"<ul>{cards}</ul>"))
    assert got == PROSE


def test_a_more_from_heading_and_its_box_are_left_out() -> None:
    box = (
        "<div><h2>More from the town desk</h2><p>Library hours change for the holidays.</p>"
        "<p>School board elects a new chair after long meeting.</p></div>"
    )
    got = paragraphs(article(extra_inside=box))
    assert got == PROSE


def test_newsletter_and_comment_calls_to_action_inside_the_container_are_left_out() -> None:
    ctas = (
        "<p>Sign up for our free morning newsletter to get the day's news in your inbox.</p>"
        "<p>Share your thoughts in the comments below.</p>"
        "<p>Have a tip? Send it to us at tips@news.example.</p>"
    )
    got = paragraphs(article(extra_inside=ctas))
    assert got == PROSE


def test_script_notices_and_raw_shortcodes_are_left_out() -> None:
    notices = (
        "<p>This content requires JavaScript to be enabled in your browser.</p>"
        '<p>[gallery ids="12,13,14"]</p>'
    )
    html = article(extra_inside=notices).replace(
        f"<p>{PROSE[1]}</p>", f'<p>[caption id="attachment_7"]{PROSE[1]}[/caption]</p>'
    )
    assert paragraphs(html) == PROSE


def test_markup_that_arrived_escaped_under_body_is_not_the_first_paragraph() -> None:
    stray = "&lt;div class=&quot;ad&quot;&gt;&lt;script src=&quot;x.js&quot;&gt;&lt;/script&gt;"
    stray += "&lt;/div&gt; leftover template text"
    html = article().replace("<body>", f"<body>{stray}")
    assert paragraphs(html) == PROSE


def test_the_headline_repeated_as_the_first_paragraph_is_dropped() -> None:
    html = article().replace("<div><p>", "<div><p>Council extends programme</p><p>", 1)
    assert paragraphs(html) == PROSE


def test_a_sentence_that_links_its_sources_is_kept() -> None:
    linked = (
        'The <a href="/r">regional audit published last month by the state</a> found that '
        '<a href="/s">most of the families helped by the programme</a> were still in work.'
    )
    got = paragraphs(article(extra_inside=f"<p>{linked}</p>"))
    assert got[-1].startswith("The regional audit published last month by the state found")


def test_a_layout_that_has_a_sidebar_is_not_itself_a_sidebar() -> None:
    """A wrapper named for holding a sidebar ("has-sidebar") is the story's layout: the story
    inside it must not lose to a stray paragraph elsewhere on the page."""
    body = "".join(f"<p>{p}</p>" for p in PROSE)
    comments = "".join(f"<p>{p.upper()}</p>" for p in PROSE[:2])
    stray = (
        "An email with instructions on how to reset your password has been sent to the email "
        "address listed on your account; if it does not arrive, check the spam folder and try "
        "again in a few minutes."
    )
    html = (
        "<html><body><div class='layout has-sidebar'><div class='story'><h1>Council</h1>"
        f"{body}</div><div class='sidebar'><p>Most read today</p></div></div>"
        f"<div><div><p>{stray}</p></div></div><div class='comments'>{comments}</div>"
        "</body></html>"
    )
    assert paragraphs(html) == PROSE


def test_story_text_hidden_until_the_reader_subscribes_is_read() -> None:
    hidden = "".join(
        f'<div class="subscriber-only" style="display:none"><p>{p}</p></div>' for p in PROSE[1:]
    )
    html = article().replace(f"<p>{PROSE[1]}</p><p>{PROSE[2]}</p>", hidden)
    assert paragraphs(html) == PROSE
    still_hidden = article(extra_inside='<p style="display:none">A hidden ad label.</p>')
    assert paragraphs(still_hidden) == PROSE


def test_labels_reading_times_republication_notes_and_author_notes_are_left_out() -> None:
    extra = (
        "<p>Source:</p><p>NEWS 4 min read</p>"
        "<p>Editor's note: This story originally appeared in the spring issue of our magazine.</p>"
        "<p>Find the best deals on gear with our weekly Deals newsletter</p>"
        "<p>Jane Doe is a senior reporter for the Daily Example. Email: jane@news.example.</p>"
    )
    assert paragraphs(article(extra_inside=extra)) == PROSE


def test_byline_date_tag_and_rights_lines_are_left_out() -> None:
    extra = (
        "<p>By Jane Doe</p><p>Jane Doe - January 24, 2020</p><p>Tags: council, budget</p>"
        "<p>Disclaimer: All rights reserved for writing and editorial content. No rights are "
        "claimed for images unless stated.</p>"
    )
    assert paragraphs(article(extra_inside=extra)) == PROSE


def test_in_text_stamps_embedded_post_signatures_and_table_numbers_stay() -> None:
    kept = [
        "Updated 18:17 GMT",
        "— Jane Doe (@janedoe) November 19, 2019",
    ]
    table = "<table><tr><td>Votes for</td><td>12</td></tr><tr><td>2019</td><td>9</td></tr></table>"
    extra = "".join(f"<p>{line}</p>" for line in kept) + table
    got = paragraphs(article(extra_inside=extra))
    assert got[: len(PROSE) + 2] == [*PROSE, *kept]
    assert "Votes for 12" in got and "2019 9" in got


def test_contact_lines_and_rules_without_words_are_left_out() -> None:
    extra = (
        "<p>_____</p><p>• Jane Doe can be reached at jdoe@news.example.</p>"
        "<p>Questions? Email: desk@news.example</p>"
    )
    assert paragraphs(article(extra_inside=extra)) == PROSE


def test_a_table_that_is_the_story_is_read_row_by_row() -> None:
    rows = [("Team", "Played", "Points"), ("Rovers", "10", "22"), ("United", "10", "19")]
    table = "<table>" + "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows
    )
    got = paragraphs(article(extra_inside=table + "</table>"))
    assert got == [*PROSE, "Team Played Points", "Rovers 10 22", "United 10 19"]


def test_a_layout_table_keeps_its_paragraphs() -> None:
    cells = f"<td><p>{PROSE[0]}</p><p>{PROSE[1]}</p></td><td><p>{PROSE[2]}</p></td>"
    html = (
        "<html><body><table><tr><td><h1>Council extends programme</h1></td></tr>"
        f"<tr>{cells}</tr></table></body></html>"
    )
    assert paragraphs(html) == PROSE


def test_press_release_boilerplate_about_the_organisation_after_the_story_is_left_out() -> None:
    tail = (
        "<hr><p>Norland Systems is a global solutions provider focused on healthcare software "
        "and mobile workflow tools, with offices in twelve countries.</p>"
        "<p>Norland Systems is headquartered in Basel and employs around 1,300 people.</p>"
    )
    assert paragraphs(article(extra_after=f"<div>{tail}</div>")) == PROSE
    about = (
        "<h3>About Norland</h3><p>Founded in 1990, Norland makes software for hospitals and "
        "clinics in twelve countries, and sells it through a network of partners.</p>"
        "<p>Media contact: press@norland.example</p>"
    )
    assert paragraphs(article(extra_inside=about)) == PROSE
    source = (
        "<p>Materials provided by the Institute of Examples. Note: Content may be edited for "
        "style and length.</p><p>Cite This Page:</p>"
        '<p>Institute of Examples. "Council extends programme." Example Daily, 21 May 2024.</p>'
    )
    assert paragraphs(article(extra_inside=source)) == PROSE


def test_a_section_about_something_inside_the_story_stays() -> None:
    section = (
        "<h2>About the vote</h2><p>The vote was close: eleven members were for the extension "
        "and nine against, with two absent because of the storm that evening.</p>"
    )
    got = paragraphs(article(extra_inside=section + "".join(f"<p>{p}</p>" for p in PROSE)))
    assert "About the vote" in got and len(got) == 8


def test_photo_captions_with_a_credit_and_credit_lines_are_left_out() -> None:
    media = (
        "<p>The hall was full for the vote on Tuesday (Image: GETTY )</p>"
        '<div class="InlineImage-imageEmbedCredit">Jane Roe - Example Images | Example Images</div>'
        "<div>Jane Roe | Example Images</div>"
        "<p>Supporters outside the hall before the vote. (Photo: Jane Roe/Example Agency)</p>"
    )
    assert paragraphs(article(extra_inside=media)) == PROSE


def test_newsletter_box_confirmation_lines_are_left_out() -> None:
    box = (
        "<div><p>Like What You're Reading?</p><p>This newsletter may contain advertising, "
        "deals, or affiliate links. Subscribing indicates your consent to our Terms of Use.</p>"
        "<p>Thanks for signing up!</p>"
        "<p>Your subscription has been confirmed. Keep an eye on your inbox!</p></div>"
    )
    assert paragraphs(article(extra_inside=box)) == PROSE


def test_comment_labels_teaser_labels_and_offers_are_left_out() -> None:
    lines = (
        "<div>Comments</div><p>Tell us what YOU think...</p><div>DON'T MISS</div>"
        "<p>Get the monthly magazine delivered through your letterbox every month. 12 issues "
        "for 11.99. Click here for more information.</p>"
    )
    assert paragraphs(article(extra_inside=lines)) == PROSE


def test_slide_counters_of_a_gallery_are_left_out() -> None:
    slides = "".join(f"<h3>0{i + 1}/3Slide {i + 1}</h3><p>{p}</p>" for i, p in enumerate(PROSE))
    got = paragraphs(article(extra_inside=slides))
    assert got == PROSE + PROSE


def test_a_list_item_that_links_its_headline_then_tells_the_story_is_kept() -> None:
    items = [
        (
            "Ousted chief executive can still reportedly name directors to the board, even "
            "though he left the company",
            "He can still influence the company through its board.",
        ),
        (
            "A new game is finally coming out after twelve years of waiting, but the catch is "
            "that it is for virtual reality only",
            "The developer called it a flagship title.",
        ),
    ]
    lis = "".join(
        f'<li><strong><a href="/x{i}">{a}</a>.</strong> {b}</li>' for i, (a, b) in enumerate(items)
    )
    got = paragraphs(article(extra_inside=f"<ul>{lis}</ul>"))
    assert got[:3] == PROSE and len(got) == 5


def test_an_embedded_post_inside_a_widget_wrapper_is_read() -> None:
    post = (
        '<div class="article-widget article-post-embed"><div class="embed__inner">'
        '<blockquote class="twitter-tweet"><p lang="en">Club statement on the new manager</p>'
        '— Town Football Club (@townfc) <a href="/status/1">November 20, 2019</a>'
        "</blockquote></div></div>"
    )
    got = paragraphs(article(extra_inside=post + f"<p>{PROSE[0]}</p>"))
    assert "Club statement on the new manager" in got
    assert "— Town Football Club (@townfc) November 20, 2019" in got


def test_a_page_of_several_posts_gives_the_first_not_all_of_them() -> None:
    others = [
        [
            "A second story about the harbour, where the ferry timetable changes next month "
            "after a long consultation with residents and the operator of the crossing.",
            "The operator said the new timetable would add two crossings on weekdays and one "
            "on Sundays, and that fares would stay the same until the end of the year.",
        ],
        [
            "A third story about the library, which opens on Sundays from June after the "
            "council found money for more staff in the budget it agreed in the spring.",
            "Librarians said Sunday opening had been the most common request in the survey "
            "of readers, ahead of longer evening hours and a larger children's corner.",
        ],
    ]

    def post(heading: str, lines: list[str]) -> str:
        return f"<article><h2>{heading}</h2>" + "".join(f"<p>{p}</p>" for p in lines) + "</article>"

    posts = post("Council extends programme", PROSE) + "".join(
        post(f"Other story {i}", lines) for i, lines in enumerate(others)
    )
    html = (
        "<!DOCTYPE html><html><head><title>Town news</title></head><body>"
        f"<main><h1>Town news</h1><div>{posts}</div></main></body></html>"
    )
    got = paragraphs(html)
    assert got[-3:] == PROSE and not any("harbour" in p or "library" in p for p in got)


def test_membership_pitches_emoji_promos_and_listen_or_watch_labels_are_left_out() -> None:
    lines = (
        "<p>If you enjoyed this article, we have a proposition for you: join our members' "
        "club and read everything with no paywall.</p>"
        "<p>🎁 Still looking for gift ideas? Check out our gift guides</p>"
        "<p>Listen to the town radio live at 12:45 weekdays - or listen back here.</p>"
        "<p>Listen to the podcast:</p><p>Also available on Apple Podcasts</p>"
        "<p>Watch the video with the mayor:</p>"
    )
    assert paragraphs(article(extra_inside=lines)) == PROSE


def test_a_you_might_also_like_box_whose_heading_sits_in_its_own_wrapper_is_left_out() -> None:
    items = "".join(
        f'<li><div><p><a href="/o{i}">Another story number {i}</a>. So why does it work?</p>'
        "</div></li>"
        for i in range(3)
    )
    box = f"<div><div><h2>You Might Also Like …</h2></div><div><ul>{items}</ul></div></div>"
    assert paragraphs(article(extra_inside=box)) == PROSE


def test_a_next_story_card_is_left_out() -> None:
    card = (
        '<div class="grid next-prev"><p><a href="/next">- Next Town News</a></p>'
        '<div><a href="/next"><h5>Library opens on Sundays</h5></a>'
        "<p>The library opens on Sundays from June after the council found the money</p>"
        "<label>Jane Doe 2019-11-20 17:27:46</label></div></div>"
    )
    assert paragraphs(article(extra_inside=card)) == PROSE


def test_comment_policy_notes_are_left_out() -> None:
    notes = (
        "<p>Comments that are abusive or off topic will not be approved by the moderator.</p>"
        "<p>ATENÇÃO: Comentários com textos ininteligíveis ou que faltem com respeito ao "
        "usuário não serão aprovados pelo moderador.</p>"
        "<p>Es gibt kein Recht auf Veröffentlichung. Beachten Sie, dass die Redaktion "
        "unpassende, inhaltlose oder beleidigende Kommentare entfernen kann und wird.</p>"
    )
    assert paragraphs(article(extra_inside=notes)) == PROSE
    story = "Comments under the post were later removed by the platform, the company said."
    assert paragraphs(article(extra_inside=f"<p>{story}</p>")) == [*PROSE, story]


def test_captions_ending_in_a_credit_label_are_left_out() -> None:
    media = (
        "<p>Supporters gather outside the hall before the vote. Photo: Jane Roe</p>"
        "<p>A jar of the town's famous plum jam on the counter Credit: John Public</p>"
    )
    assert paragraphs(article(extra_inside=media)) == PROSE


def test_author_pitches_and_keep_reading_or_most_read_labels_are_left_out() -> None:
    lines = (
        "<p>Follow me on Twitter. Check out my website or some of my other work here.</p>"
        "<p>Not a subscriber to the magazine? Then head over here to get the latest issues!</p>"
        "<p>Don't miss a thing. Sign up for my free Council Academy e-course and learn more.</p>"
        "<div>Keep reading</div><h3>Most read in Politics</h3>"
    )
    assert paragraphs(article(extra_inside=lines)) == PROSE


def test_the_citation_of_the_paper_after_a_science_story_is_left_out() -> None:
    note = (
        "<p>Jane Q. Roe et al. 2023. The form and function of the council's budget. "
        "Journal of Towns 12 (3): 45-67; doi: 10.1000/jt.2023.45</p>"
    )
    assert paragraphs(article(extra_inside=note)) == PROSE


def test_a_list_of_linked_places_keeps_each_place_name_over_its_own_text() -> None:
    places = ["The Old Mill", "Riverside Tavern", "Corner Bakery"]
    sections = "".join(
        f'<h2><a href="https://place{i}.example/">{name}</a></h2><h3>{i + 1} Main St.</h3>'
        f"<p>{PROSE[i]} {PROSE[(i + 1) % 3]}</p>"
        for i, name in enumerate(places)
    )
    got = paragraphs(article(extra_inside=sections))
    assert got[len(PROSE) :: 3] == places
    assert got[len(PROSE) + 1 :: 3] == [f"{i + 1} Main St." for i in range(3)]


def test_one_linked_headline_in_the_middle_of_a_story_is_still_left_out() -> None:
    inline = '<h3><a href="/2024/05/20/other">Town hall roof repairs finish early</a></h3>'
    html = article(extra_inside=inline + f"<p>{PROSE[0]} {PROSE[1]}</p>")
    assert "Town hall roof repairs finish early" not in paragraphs(html)


def test_a_ticker_of_other_stories_above_the_headline_in_the_story_element_is_left_out() -> None:
    ticker = "".join(
        f'<li><a href="/2024/05/{i}/other">Harbour story number {i} makes the news</a> '
        f"HARBOURTOWN: A longer summary of that other story, which the front page shows under "
        f"its headline so that readers can decide whether to open it or not.</li>"
        for i in range(6)
    )
    body = "".join(f"<p>{p}</p>" for p in PROSE)
    html = (
        "<html><head><title>Council extends programme | Town News</title></head><body>"
        f"<div><h1>Town News</h1><div><div>Breaking News</div><ul>{ticker}</ul>"
        f"<h2>Council extends programme</h2><div>{body}</div></div></div></body></html>"
    )
    assert paragraphs(html) == PROSE


def test_a_section_heading_that_begins_like_the_headline_cuts_nothing() -> None:
    html = article(extra_inside=f"<h2>Council extends</h2><p>{PROSE[0]} {PROSE[1]}</p>")
    html = html.replace(
        "<title>Council extends programme</title>",
        "<title>Council extends programme: what it means</title>",
    )
    assert paragraphs(html)[: len(PROSE)] == PROSE


def test_captions_with_agency_credits_in_brackets_or_glued_on_are_left_out() -> None:
    media = (
        "<p>The first map of the new town park. (Town Survey/Example Space Agency)</p>"
        "<p>The council building is seen from the square in the old town.Example Wire</p>"
        "<p>The road to the new library isn't finished yet.Jane Roe/Example Images</p>"
    )
    assert paragraphs(article(extra_inside=media)) == PROSE


def test_a_more_great_stories_label_over_a_list_and_long_pitches_are_left_out() -> None:
    teasers = "".join(
        f'<li><a href="/2024/05/{i}/other">The strange story number {i}</a>, and what it means</li>'
        for i in range(5)
    )
    extra = (
        f"<div>More Great Town Stories</div><ul>{teasers}</ul>"
        "<p>Follow the paper's full coverage of the council at https://news.example/council</p>"
        "<h4>Something to Consider</h4><p>If you enjoyed this article, we have a proposition for "
        "you: join our membership. Members get all of our content, including the magazine, no "
        "paywalls or content meters, an advertising-minimal experience, and unlimited access to "
        "our events, all for a small sum a month. Try it free for one week today, please.</p>"
    )
    assert paragraphs(article(extra_inside=extra)) == PROSE


def test_share_ad_audio_cookie_and_comment_labels_are_left_out() -> None:
    labels = (
        "<p>Share this article</p><p>Copy link</p><p>Story continues below advertisement</p>"
        "<p>Listen to this article</p><p>Reading time: 4 minutes</p>"
        "<p>We use cookies to improve your experience on our site.</p>"
        "<div>Comments (+)</div><p>Be the first to comment</p>"
        "<p>Note: we are temporarily moderating all comments submitted to deal with spam.</p>"
        "<p>Support local journalism. Subscribe today for just $1 a week.</p>"
    )
    assert paragraphs(article(extra_inside=labels)) == PROSE


def test_sentences_that_report_on_journalism_or_cookies_are_kept() -> None:
    real = [
        "The grant will support local journalism in three rural counties, the foundation said.",
        "We use cookies on every page, the company admitted in its filing with the regulator.",
    ]
    extra = "".join(f"<p>{line}</p>" for line in real)
    pitches = "<p>Please support independent journalism.</p><p>We use cookies.</p>"
    assert paragraphs(article(extra_inside=extra + pitches)) == PROSE + real


def test_a_newsletter_box_with_its_pitch_and_terms_line_is_left_out() -> None:
    box = (
        "<div><h3>Get the Morning Brief</h3>"
        "<p>The day's top stories, delivered to your inbox every morning.</p><form><input></form>"
        "<p>By signing up, you agree to our Privacy Policy and Terms of Use.</p></div>"
        "<p>Want more stories like this? Get our free weekly email.</p>"
    )
    assert paragraphs(article(extra_inside=box)) == PROSE


def test_credit_lines_alone_are_left_out() -> None:
    credits = "<p>(Example Photo/Jane Roe)</p><p>Photo by Jane Roe on Example</p>"
    assert paragraphs(article(extra_inside=credits)) == PROSE


def test_a_columns_long_standing_disclaimer_is_left_out() -> None:
    note = (
        "<p>Ask the Counsellor is for informational purposes only, does not constitute legal "
        "or medical advice, and is not a substitute for professional advice, diagnosis, or "
        "treatment. Always seek the advice of a qualified professional with any questions you "
        "may have. By submitting a letter, you are agreeing to let the paper use it, in part or "
        "in whole, and we may edit it for length and clarity.</p>"
    )
    assert paragraphs(article(extra_inside=note)) == PROSE


def test_a_reviews_pros_and_cons_box_is_left_out() -> None:
    box = (
        "<h3>1. The Acme Kettle</h3><div><div><p>Pros</p><ul><li>Boils water very fast</li>"
        "<li>Quiet in use</li></ul></div><div><p>Cons</p><ul><li>Expensive to buy</li></ul>"
        f"</div></div><p>{PROSE[0]} {PROSE[1]}</p>"
    )
    got = paragraphs(article(extra_inside=box))
    assert not {"Pros", "Cons", "Boils water very fast", "Quiet in use", "Expensive to buy"} & set(
        got
    )
    assert got[-1] == f"{PROSE[0]} {PROSE[1]}"


def test_a_video_players_title_and_blurb_inside_the_story_are_left_out() -> None:
    player = (
        '<div class="spacer videoWrap"><div><div><div>Dog rescued from frozen pond by '
        "firefighters</div><div>Firefighters in a nearby town pulled a dog from a frozen pond "
        "on Sunday.</div></div></div></div>"
    )
    assert paragraphs(article(extra_inside=player)) == PROSE


def test_the_caption_inside_an_image_wrapper_is_left_out() -> None:
    media = '<div class="image_wrapper first"><img src="/hall.jpg"><p>The new town hall</p></div>'
    assert paragraphs(article(extra_inside=media)) == PROSE


def test_reading_time_labels_in_the_languages_we_read_and_written_by_lines_are_left_out() -> None:
    labels = "".join(
        f"<p>{line}</p>"
        for line in (
            "Tempo de leitura: 1 minuto",
            "Temps de lecture : 3 min",
            "Lesezeit: ca. 4 Min.",
            "Время чтения: 5 минут",
            "Okuma süresi: 3 dk",
            "وقت القراءة: 3 دقائق",
            "Written by Jane Doe",
        )
    )
    assert paragraphs(article(extra_inside=labels)) == PROSE


def test_the_date_of_a_definition_list_metadata_box_is_left_out() -> None:
    box = "<dl><dt>Date:</dt><dd>May 21, 2024</dd></dl>"
    html = article(extra_inside=box + "<ul><li>May 20, 2024: first reading</li></ul>")
    got = paragraphs(html)
    assert "May 21, 2024" not in got
    assert "May 20, 2024: first reading" in got


def test_an_editors_words_in_square_brackets_inside_a_quote_are_kept() -> None:
    quote = (
        '"We were in [training] camp [in] late July, and I was missing [them] every day," '
        "the coach said after the council meeting on Tuesday night."
    )
    got = paragraphs(
        article(extra_inside=f"<p>{quote}</p><p>[embed]https://x.example/v[/embed]</p>")
    )
    assert got == [*PROSE, quote]


def _listing(wrapper: str, linked: bool) -> str:
    stories = [
        ("Council extends programme", PROSE),
        ("Harbour ferry timetable changes", [p.replace("council", "harbour board") for p in PROSE]),
    ]

    def post(i: int, heading: str, lines: list[str]) -> str:
        title = f'<a href="/2024/05/{i}/post">{heading}</a>' if linked else heading
        body = "".join(f"<p>{p}</p>" for p in lines)
        return f'<{wrapper} class="entry"><h2>{title}</h2>{body}</{wrapper}>'

    posts = "".join(post(i, h, lines) for i, (h, lines) in enumerate(stories))
    return (
        "<!DOCTYPE html><html><head><title>Town blog</title></head><body>"
        f"<main><h1>Town blog</h1><div>{posts}</div></main></body></html>"
    )


def test_a_listing_of_posts_in_plain_wrappers_headed_by_their_links_gives_the_first() -> None:
    got = paragraphs(_listing("div", linked=True))
    assert got[-3:] == PROSE and not any("harbour board" in p for p in got)


def test_a_story_in_sections_with_plain_headings_is_read_whole() -> None:
    got = paragraphs(_listing("section", linked=False))
    assert any("harbour board" in p for p in got) and PROSE[0] in got


def test_a_contributors_credit_and_a_question_to_readers_closing_the_story_are_left_out() -> None:
    closing = (
        "<p>Are you looking forward to watching the new series?</p>"
        "<p>The Associated Press contributed to this report.</p>"
        "<p>Jane Roe and John Doe contributed reporting from Hong Kong.</p>"
    )
    assert paragraphs(article(extra_inside=closing)) == PROSE


def test_a_donation_pitch_for_the_newsroom_is_left_out_and_a_family_appeal_is_kept() -> None:
    appeal = "Any donations will go directly to the family to help with the search, she said."
    extra = (
        "<p>Our journalism relies on readers like you. Please consider making a donation today "
        "to keep our reporting free for everyone.</p>"
        f"<p>{appeal}</p><p>This story was made possible by readers like you.</p>"
    )
    assert paragraphs(article(extra_inside=extra)) == [*PROSE, appeal]


def test_a_hover_card_inside_a_sentence_is_left_out_and_its_name_kept() -> None:
    card = (
        '<span class="rollover-people"><a class="rollover-people-link" href="/people/jane-roe">'
        'Jane Roe</a><span class="rollover-people-block"><a class="name" href="/people/jane-roe">'
        'Jane Roe</a><a href="/2024/05/01/other">Roe asks the court for more time on the budget'
        '</a> <a href="/people/jane-roe">MORE</a></span></span>'
    )
    html = article().replace("The mayor said", f"The mayor, {card}, said", 1)
    got = paragraphs(html)
    assert got[:2] == PROSE[:2]
    assert got[2] == PROSE[2].replace("The mayor said", "The mayor, Jane Roe, said", 1)


def test_a_key_points_box_beside_the_body_is_read_without_its_label() -> None:
    points = [
        "The council extended the programme for another year after a long debate on Tuesday.",
        "Opponents wanted the money spent on roads; supporters cited the families it helped.",
    ]
    box = (
        "<div><div>Key Points</div><ul>"
        + "".join(f"<li>{point}</li>" for point in points)
        + "</ul></div>"
    )
    html = article().replace("</h1><div>", f"</h1>{box}<div>", 1)
    assert paragraphs(html) == points + PROSE
    inside = article(extra_inside="<h3>Key takeaways</h3><ul><li>" + points[0] + "</li></ul>")
    assert paragraphs(inside) == [*PROSE, points[0]]


def test_a_market_quote_box_in_the_story_is_left_out() -> None:
    quote = (
        "<table><thead><tr><th>Ticker</th><th>Security</th><th>Last</th><th>Change</th>"
        "<th>Change %</th></tr></thead><tbody><tr><td><a href='/quote/XMPL'>XMPL</a></td>"
        "<td>EXAMPLE CORP.</td><td>252.54</td><td>-1.96</td><td>-0.77%</td></tr></tbody></table>"
    )
    html = article().replace(f"<p>{PROSE[1]}</p>", f"<p>{PROSE[1]}</p>{quote}", 1)
    assert paragraphs(html) == PROSE


def test_a_gallery_caption_opening_with_its_credit_is_left_out() -> None:
    caption = (
        "Jane Q. Roe / The Daily Example The mayor stands on the steps of the hall before the "
        "vote, waiting for the crowd to settle. Her deputy, who has worked beside her for nine "
        "years, holds the papers she will read from. The vote came late in the afternoon, "
        "after a debate that had run since lunch and drawn more people than the hall could "
        "seat."
    )
    short = "John Doe / Example Images Opponents gather outside the hall on Tuesday evening."
    gallery = f'<div><a href="/p/1.jpg"><img src="1.jpg"></a><p>{caption}</p></div>'
    gallery += f'<div><a href="/p/2.jpg"><img src="2.jpg"></a><p>{short}</p></div>'
    assert paragraphs(article(extra_inside=gallery)) == PROSE


def test_the_line_introducing_a_list_of_links_goes_with_the_list() -> None:
    links = (
        "<p><strong><em>What makes a town? Our writers explore:</em></strong></p><ul>"
        '<li><a href="/2024/05/01/a">Is your town too quiet? Eight signs to look out for</a></li>'
        '<li><a href="/2024/05/02/b">How to set boundaries with your neighbours</a></li></ul>'
    )
    steps = "The plan has three parts:"
    items = ["A new bus line to the hospital.", "Longer library hours on weekends."]
    real = f"<p>{steps}</p><ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    html = article().replace(f"<p>{PROSE[1]}</p>", f"<p>{PROSE[1]}</p>{links}{real}", 1)
    assert paragraphs(html) == [*PROSE[:2], steps, *items, PROSE[2]]


def test_an_authors_note_with_a_capitalised_title_closing_the_story_is_left_out() -> None:
    note = (
        "<p>Jane is a Senior Editor at Example overseeing features and projects about the "
        "region's towns. She is an accomplished storyteller and editor.</p>"
    )
    assert paragraphs(article(extra_inside=note)) == PROSE


def test_a_reviews_fact_box_is_left_out() -> None:
    box = (
        "<div><div>Need to know</div><div><p><strong>What is it?</strong> A city builder about "
        "a doomed world.</p><p><strong>Expect to pay</strong> £25/$30</p><p><strong>Developer"
        "</strong> Example Games</p><p><strong>Reviewed on</strong> Windows 10, 32GB RAM</p>"
        "</div></div>"
    )
    html = article().replace("</h1><div>", f"</h1><div>{box}", 1)
    assert paragraphs(html) == PROSE


def test_control_and_ad_slot_labels_in_paragraphs_of_their_own_are_left_out() -> None:
    labels = ["Advertisement", "Story continues below", "Loading...", "Back to top", "Subscribe"]
    real = "Share prices fell after the vote, and the mayor said she would print the figures."
    extra = "".join(f"<p>{label}</p>" for label in labels) + f"<p>{real}</p>"
    assert paragraphs(article(extra_inside=extra)) == [*PROSE, real]


def test_contents_labels_post_placeholders_and_follow_us_in_other_languages_are_left_out() -> None:
    labels = [
        "Table of Contents",
        "Inhaltsverzeichnis",
        "View this post on Instagram",
        "Sieh dir diesen Beitrag auf Instagram an",
        "Síguenos en Facebook: El Diario y en Twitter: @eldiario",
        "Folgen Sie uns auf Twitter",
    ]
    extra = "".join(f"<p>{label}</p>" for label in labels)
    assert paragraphs(article(extra_inside=extra)) == PROSE


def test_newsletter_box_lines_recipe_and_paywall_notices_and_a_featured_image_credit_go() -> None:
    lines = [
        "Featured image by Jane Roe/The Example.",
        "Sign-up Successful!",
        "Simply pop your email into the box at the top of this article and get the news.",
        "You can unsubscribe from this service at any time.",
        "Yes! Sign me up to receive the daily briefing email.",
        "Tried this recipe? Share an image and tag us!",
        "This is a preview of subscription content, log in to check access.",
        "Please follow and like us:",
        "Siguenos en Telegram y Twitter para recibir nuestras actualizaciones",
    ]
    quote = "“Sign me up,” said one resident, who has waited two years for the bus line."
    extra = "".join(f"<p>{line}</p>" for line in lines) + f"<p>{quote}</p>"
    assert paragraphs(article(extra_inside=extra)) == [*PROSE, quote]


def test_affiliate_disclosures_and_app_and_newsletter_plugs_go_and_a_quoted_commission_stays() -> (
    None
):
    lines = [
        "This post may contain affiliate links. If you buy through them, I may receive a small "
        "commission at no extra charge to you.",
        "We may earn a commission when you buy through links on our site.",
        "Read or Share this story: https://news.example/story/1234/",
        "Watch more of our videos on our channel and live on Freeview",
        "Die Example-App: Jetzt kostenlos für iOS und Android!",
        "Ihnen hat der Artikel gefallen? Dann abonnieren Sie unseren Newsletter!",
    ]
    quote = "“We earn a commission on every sale,” the chief executive told the council."
    extra = "".join(f"<p>{line}</p>" for line in lines) + f"<p>{quote}</p>"
    assert paragraphs(article(extra_inside=extra)) == [*PROSE, quote]


def _comments(count: int) -> str:
    return "".join(
        f"<div><div><b>Reader{i}</b> <span>May 2{i}, 2024 at 10:0{i} am</span></div>"
        f"<p>I think this programme is a waste of money and the council should have listened "
        f"to the residents for once, reader number {i} wrote.</p><div><a href='#'>Reply</a></div>"
        "</div>"
        for i in range(count)
    )


def test_a_comment_section_opened_by_its_heading_is_left_out_however_long() -> None:
    headings = ["4 thoughts on “Council extends programme”", "12 Responses", "Kommentare (3)"]
    for heading in headings:
        section = f"<div><h3>{heading}</h3>{_comments(4)}</div>"
        assert paragraphs(article(extra_after=section)) == PROSE, heading
        assert paragraphs(article(extra_inside=section)) == PROSE, heading
    reply = f"<section><h2>Leave a Reply</h2>{_comments(1)}</section>"
    assert paragraphs(article(extra_inside=reply)) == PROSE


def test_a_section_of_the_story_about_responses_stays() -> None:
    section = (
        "<h2>Responses from residents</h2><p>Residents who wrote to the council were split, with "
        "most of the letters asking for the money to go to the roads instead.</p>"
    )
    got = paragraphs(article(extra_inside=section))
    assert got[-1].startswith("Residents who wrote") and "Responses from residents" in got
    for heading in ("Thoughts", "Reactions", "Comments on the draft plan"):
        section = (
            f"<div><h3>{heading}</h3><p>The opposition leader called the plan a reasonable "
            "compromise, and the unions said they would study the details this week.</p></div>"
        )
        assert paragraphs(article(extra_inside=section))[-1].startswith("The opposition leader")


def test_an_author_box_after_the_story_is_left_out_by_the_beat_it_names() -> None:
    notes = [
        "<div><p><strong>Jane Roe</strong></p><p>Jane Roe covers local government and schools "
        "for the paper. She has lived in the town for twenty years.</p></div>",
        "<p>Jane Roe has written about city hall for the Daily Example since 2015.</p>",
        "<p><em>— Jane Roe is the Daily Example’s education correspondent.</em></p>",
    ]
    for note in notes:
        assert paragraphs(article(extra_inside=note)) == PROSE, note
    last = "<p>The Council covers most of the cost of the scheme, the mayor said.</p>"
    assert paragraphs(article(extra_inside=last))[-1].startswith("The Council covers")


def test_a_photo_credit_on_a_line_of_its_own_is_left_out() -> None:
    credits = [
        "Photo: Jane Roe/Daily Example",
        "Image credit: Example Images",
        "Crédit photo : Jane Roe",
        "Fotos: Jane Roe",
    ]
    told = "Photos: the council approved the plan. It was late in the evening."
    extra = "".join(f"<p>{line}</p>" for line in credits) + f"<p>{told}</p>"
    assert paragraphs(article(extra_inside=extra)) == [*PROSE, told]


def test_calls_to_follow_the_newsroom_on_messaging_apps_and_podcasts_are_left_out() -> None:
    lines = [
        "Join our WhatsApp channel for the latest news from the town.",
        "Click here to join our Telegram channel.",
        "Subscribe to our daily news podcast on Apple Podcasts or Spotify.",
        "Got a story? Email news@news.example",
        "Melden Sie sich für unseren Newsletter an und erhalten Sie die Nachrichten.",
    ]
    quote = "The group organised the protest in a Telegram channel, the police said."
    extra = "".join(f"<p>{line}</p>" for line in lines) + f"<p>{quote}</p>"
    assert paragraphs(article(extra_inside=extra)) == [*PROSE, quote]


def test_a_wire_services_rights_notice_under_the_story_is_left_out() -> None:
    notice = (
        "Copyright 2024 The Example Press. This material may not be published, broadcast, "
        "rewritten or redistributed."
    )
    told = "The ruling may not be published until the court has heard both sides, she said."
    extra = f"<p>{notice}</p><p>{told}</p>"
    assert paragraphs(article(extra_inside=extra)) == [*PROSE, told]


def test_a_long_caption_closed_by_a_photographers_credit_is_left_out() -> None:
    caption = (
        "<div><p>Jane Roe, a photographer from the coast, poses in a marked spot on the last "
        "summer day at the harbour. She uses a camera with a single-point lens, so she has to "
        "set everything up before she poses for it. This shoot was to show her followers part "
        "of her process, and the finished picture should look much more dramatic. "
        "(John Q. Doe / The Daily Example)</p></div>"
    )
    # a paragraph of the story that ends on its sources in brackets stays
    cited = (
        "<p>The survey of the town's households found that most of them supported the new "
        "park, and that the share had grown since the last survey was taken two years ago, "
        "when the plan was first put to the council and to the residents of the old town "
        "in a series of meetings held in the spring. (Town Survey/Example Polling)</p>"
    )
    assert paragraphs(article(extra_inside=caption)) == PROSE
    assert paragraphs(article(extra_inside=cited))[-1].endswith("(Town Survey/Example Polling)")
