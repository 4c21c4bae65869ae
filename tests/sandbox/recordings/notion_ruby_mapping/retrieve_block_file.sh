curl 'https://api.notion.com/v1/blocks/0da49a8b963e42e6a9ee0deb765d5b40' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
