"""Spring Security's request matchers, and the routes they let anyone call (code_spring_security, code_routes)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import Location
from engine.importers.code_spring_security import Matcher, matchers
from engine.importers.code_text import blank_comments
from tests.helpers import write
from tests.test_importers_source import import_paths, routes

LAMBDA_CHAIN = """
    @Configuration
    public class SecurityConfig {
        @Bean
        public SecurityFilterChain filterChain(HttpSecurity http) throws Exception {
            return http
                .authorizeHttpRequests(auth -> auth
                    .requestMatchers("/actuator/health", "/public/**").permitAll()
                    .requestMatchers(HttpMethod.POST, "/admin/**").hasRole("ADMIN")
                    .anyRequest().authenticated())
                .oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults()))
                .build();
        }
    }
"""

NOTES = """
    @RestController
    public class NoteController {
        private final NoteService notes;
        @PutMapping("/public/items/{id}")
        public Item rename(@PathVariable long id, @RequestBody String name) { return notes.rename(id, name); }
        @GetMapping("/public/me")
        public User me(@AuthenticationPrincipal Jwt jwt) { return notes.owner(jwt.getSubject()); }
        @PostMapping("/public/notes")
        public Note add(@RequestBody Note n) { return notes.add(n); }
        @PreAuthorize("hasRole('EDITOR')")
        @DeleteMapping("/public/notes/{id}")
        public void remove(@PathVariable long id) { notes.remove(id); }
        @PostMapping("/private/notes")
        public Note keep(@RequestBody Note n) { return notes.add(n); }
    }
"""

SERVICE = """
    @Service
    public class NoteService {
        private final NoteRepository repository;
        public Item rename(long id, String name) { return repository.save(new Item(id, name)); }
        public User owner(String subject) { return repository.owner(subject); }
        public Note add(Note n) {
            n.setAuthor(SecurityContextHolder.getContext().getAuthentication().getName());
            return repository.save(n);
        }
        public void remove(long id) { repository.deleteById(id); }
    }
"""


def test_a_route_the_filter_chain_lets_anyone_call_authenticates_nobody_unless_its_handler_reads_the_caller(
        tmp_path: Any) -> None:
    java = "notes/src/main/java/acme/notes/"
    write(str(tmp_path), java + "SecurityConfig.java", LAMBDA_CHAIN)
    write(str(tmp_path), java + "NoteController.java", NOTES)
    write(str(tmp_path), java + "NoteService.java", SERVICE)
    eps = routes(import_paths("source", [str(tmp_path / "notes")]))
    renamed = eps["notes-PUT-/public/items/-id"]
    assert renamed["authn"] == "none" and "authz" not in renamed  # what the handler checks itself stays unknown
    assert "authn" not in eps["notes-GET-/public/me"]  # an injected principal: it needs a caller
    assert "authn" not in eps["notes-POST-/public/notes"]  # its service reads the security context
    assert "authn" not in eps["notes-DELETE-/public/notes/-id"]  # method security
    assert "authn" not in eps["notes-POST-/private/notes"]  # authenticated(): anyRequest


def test_the_first_matcher_decides_as_spring_security_reads_them(tmp_path: Any) -> None:
    chain = """
        public class WebSecurityConfig extends WebSecurityConfigurerAdapter {
            protected void configure(HttpSecurity http) throws Exception {
                http.csrf().disable().authorizeRequests()
                    .antMatchers("/api/v1/things/**").permitAll()
                    .antMatchers(HttpMethod.DELETE, "/api/v1/things/*").hasAnyRole("ADMIN")
                    .anyRequest().authenticated();
            }
        }
    """
    found = matchers([("WebSecurityConfig.java", blank_comments(chain))])
    assert [(m.method, m.patterns, m.verdict) for m in found] == [
        (None, ("/api/v1/things/**",), "permitAll"), ("DELETE", ("/api/v1/things/*",), "hasAnyRole"),
        (None, ("/**",), "authenticated")]
    first = next(m for m in found if m.matches("DELETE", "/api/v1/things/{id}"))
    assert first.verdict == "permitAll"  # the admin-only line after it never applies


def test_matchers_after_one_not_written_out_are_left_out() -> None:
    chain = """
        http.authorizeHttpRequests(auth -> auth
            .requestMatchers(PUBLIC_PATHS).permitAll()
            .requestMatchers("/open/**").permitAll());
    """
    assert matchers([("C.java", chain)]) == []


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("/storefront/**", "/storefront/orders/status", True),
    ("/storefront/**", "/storefront", True),
    ("/storefront/**", "/storefronts", False),
    ("/api/*/users", "/api/v1/users", True),
    ("/api/*/users", "/api/v1/x/users", False),
    ("/items/{id}", "/items/{id}", True),
    ("/items/?", "/items/7", True),
])
def test_ant_patterns(pattern: str, path: str, expected: bool) -> None:
    assert Matcher(None, (pattern,), "permitAll", Location("C.java", 1, 1)).matches("GET", path) is expected


def test_a_handler_named_for_signing_up_that_takes_a_password_is_a_credential_flow(tmp_path: Any) -> None:
    java = "accounts/src/main/java/acme/accounts/"
    write(str(tmp_path), java + "User.java", "public class User { private String username; private String password; }")
    write(str(tmp_path), java + "Funds.java", "public class Funds { private String owner; private long balance; }")
    write(str(tmp_path), java + "AccountController.java", """
        @RestController
        public class AccountController {
            private final Accounts accounts;
            @PostMapping("/")
            public Account createNewAccount(@Valid @RequestBody User user) { return accounts.create(user); }
            @PostMapping("/funds")
            public Account createAccount(@RequestBody Funds funds) { return accounts.open(funds); }
            @PostMapping("/admin/users")
            public Account addUser(@RequestBody User user) { return accounts.create(user); }
        }
    """)
    eps = routes(import_paths("source", [str(tmp_path / "accounts")]))
    assert eps["accounts-POST"]["auth_flow"] is True  # a sign-up, whatever its path says
    assert "auth_flow" not in eps["accounts-POST-/funds"]  # the name alone: a payment account carries no password
    assert "auth_flow" not in eps["accounts-POST-/admin/users"]  # the password alone: an administrator's function
